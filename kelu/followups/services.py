"""Every write to follow-ups, notifications and follow-up preferences; reminders, digests and the derived
``Customer.next_follow_up_at``.

Reminders: each change of a follow-up's reminder time queues one run of ``send_reminder`` for that time (the task
queue's ``run_after``); runs for an older time, or for a follow-up that is no longer open, find nothing to do. The
run that sends marks ``reminder_sent_at`` under a row lock, so a reminder goes out once however many runs reach it;
a sweep every few minutes sends the ones a lost queue entry would miss.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Min, OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kelu.accounts.models import Role, User
from kelu.activities.models import Activity
from kelu.activities.services import may_log
from kelu.core import clock, permissions
from kelu.customers.models import Contact, Customer
from kelu.customers.selectors import contacts_visible_to, customers_visible_to
from kelu.followups import selectors
from kelu.followups.models import FollowUp, Notification, Preferences

logger = logging.getLogger(__name__)

FOLLOW_UP_FIELDS = ("title", "notes", "due_at", "remind_at", "priority")
# Another machine's clock may run a little behind the one that queued the run: a run that early still sends.
EARLY_TOLERANCE = timedelta(seconds=5)
DIGEST_HOUR = 8  # local time of the user: the digest waits for the morning
SNOOZE_CHOICES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}


# --- rights ----------------------------------------------------------------------------------------------------------


def may_change(user: User, follow_up: FollowUp) -> bool:
    """The assignee, the creator, or anyone who may log interactions of the customer."""
    if permissions.is_read_only(user):
        return False
    if user.pk in (follow_up.assignee_id, follow_up.created_by_id):
        return True
    return may_log(user, customer=follow_up.customer, contact=follow_up.contact)


def _may_be_assigned(user: User, customer: Customer | None, contact: Contact | None) -> bool:
    if not user.is_active or user.role_id == Role.Key.VIEWER:
        return False
    if customer is not None:
        return customers_visible_to(user).filter(pk=customer.pk).exists()
    return contact is not None and contacts_visible_to(user).filter(pk=contact.pk).exists()


# --- follow-ups ------------------------------------------------------------------------------------------------------


def _links(customer: Customer | None, contact: Contact | None) -> tuple[Customer | None, Contact | None]:
    if contact is not None and contact.customer_id:
        if customer is not None and customer.pk != contact.customer_id:
            raise ValidationError({"contact": [_("This contact belongs to another customer.")]})
        customer = contact.customer
    if customer is None and contact is None:
        raise ValidationError({"customer": [_("Choose the customer or the contact of this follow-up.")]})
    if customer is not None and customer.deleted_at is not None:
        raise ValidationError({"customer": [_("This customer is in the trash.")]})
    return customer, contact


def _clean(follow_up: FollowUp, errors: dict[str, list[str]]) -> None:
    follow_up.title = " ".join(str(follow_up.title or "").split())
    if not follow_up.title:
        errors["title"] = [_("Say what is to be done.")]
    elif len(follow_up.title) > 200:
        errors["title"] = [_("This text is too long.")]
    if follow_up.due_at is None:
        errors["due_at"] = [_("Say by when.")]
    elif follow_up.remind_at is not None and follow_up.remind_at > follow_up.due_at:
        errors["remind_at"] = [_("The reminder has to come before the due time.")]
    if follow_up.priority not in FollowUp.Priority.values:
        errors["priority"] = [_("Choose a priority.")]
    if errors:
        raise ValidationError(errors)


def _check_assignee(actor: User, assignee: User | None, follow_up: FollowUp, errors: dict[str, list[str]]) -> None:
    if assignee is None:
        errors["assignee"] = [_("Choose who will do it.")]
    elif assignee.pk != actor.pk and not _may_be_assigned(assignee, follow_up.customer, follow_up.contact):
        errors["assignee"] = [_("%(user)s cannot see this customer.") % {"user": assignee}]


@transaction.atomic
def follow_up_create(
    *,
    actor: User,
    values: dict[str, Any],
    customer: Customer | None = None,
    contact: Contact | None = None,
    assignee: User | None = None,
    activity: Activity | None = None,
    origin: str = FollowUp.Origin.MANUAL,
) -> FollowUp:
    customer, contact = _links(customer, contact)
    if not may_log(actor, customer=customer, contact=contact):
        raise PermissionDenied(_("You may not plan follow-ups of this customer."))
    follow_up = FollowUp(
        customer=customer, contact=contact, created_by=actor, assignee=assignee or actor, activity=activity,
        origin=origin if origin in FollowUp.Origin.values else FollowUp.Origin.MANUAL,
    )  # fmt: skip
    for key, value in values.items():
        if key in FOLLOW_UP_FIELDS:
            setattr(follow_up, key, value)
    follow_up.priority = follow_up.priority or FollowUp.Priority.NORMAL
    errors: dict[str, list[str]] = {}
    _check_assignee(actor, follow_up.assignee, follow_up, errors)
    _clean(follow_up, errors)
    follow_up.save()
    _after_change(actor, follow_up, previous_assignee_id=actor.pk, reschedule=True)
    return follow_up


_UNCHANGED: Any = object()


@transaction.atomic
def follow_up_update(
    *, actor: User, follow_up: FollowUp, values: dict[str, Any], assignee: User | None = _UNCHANGED
) -> FollowUp:
    follow_up = _locked(actor, follow_up)
    before = (follow_up.remind_at, follow_up.assignee_id)
    for key, value in values.items():
        if key in FOLLOW_UP_FIELDS:
            setattr(follow_up, key, value)
    errors: dict[str, list[str]] = {}
    if assignee is not _UNCHANGED:
        follow_up.assignee = assignee
        if assignee is None or assignee.pk != before[1]:
            _check_assignee(actor, assignee, follow_up, errors)
    _clean(follow_up, errors)
    reschedule = follow_up.remind_at != before[0]
    if reschedule:
        follow_up.reminder_sent_at = None  # a new reminder time is a new reminder
    follow_up.save()
    _after_change(actor, follow_up, previous_assignee_id=before[1], reschedule=reschedule)
    return follow_up


@transaction.atomic
def follow_up_set_status(*, actor: User, follow_up: FollowUp, status: str) -> FollowUp:
    """Complete, cancel or reopen. A reopened follow-up whose reminder was not sent gets it scheduled again."""
    if status not in FollowUp.Status.values:
        raise ValidationError({"status": [_("Choose open, done or cancelled.")]})
    follow_up = _locked(actor, follow_up)
    if follow_up.status == status:
        return follow_up
    follow_up.status = status
    follow_up.completed_at = clock.now() if status == FollowUp.Status.DONE else None
    follow_up.save(update_fields=["status", "completed_at", "updated_at"])
    _after_change(actor, follow_up, previous_assignee_id=follow_up.assignee_id, reschedule=status == "open")
    return follow_up


def follow_up_complete(*, actor: User, follow_up: FollowUp) -> FollowUp:
    return follow_up_set_status(actor=actor, follow_up=follow_up, status=FollowUp.Status.DONE)


def follow_up_cancel(*, actor: User, follow_up: FollowUp) -> FollowUp:
    return follow_up_set_status(actor=actor, follow_up=follow_up, status=FollowUp.Status.CANCELLED)


@transaction.atomic
def follow_up_snooze(*, actor: User, follow_up: FollowUp, period: str) -> FollowUp:
    """Put off by an hour, a day or a week from now (or from its due time, if that is later); the reminder moves
    along, keeping its distance to the due time."""
    if period not in SNOOZE_CHOICES:
        raise ValidationError({"period": [_("Choose how long to snooze.")]})
    current = _locked(actor, follow_up)
    if not current.is_open:
        raise ValidationError({"status": [_("Only open follow-ups can be snoozed.")]})
    due = max(current.due_at, clock.now()) + SNOOZE_CHOICES[period]
    values: dict[str, Any] = {"due_at": due}
    if current.remind_at is not None:
        values["remind_at"] = max(due - (current.due_at - current.remind_at), clock.now())
    return follow_up_update(actor=actor, follow_up=current, values=values)


@transaction.atomic
def follow_up_delete(*, actor: User, follow_up: FollowUp) -> None:
    follow_up = _locked(actor, follow_up)
    customer_id = follow_up.customer_id
    follow_up.delete()  # its pending reminder runs find nothing
    customer_next_follow_up_refresh([customer_id])


def _locked(actor: User, follow_up: FollowUp) -> FollowUp:
    current = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("customer", "contact", "assignee")
        .get(pk=follow_up.pk)
    )
    if not may_change(actor, current):
        raise PermissionDenied(_("You may not change this follow-up."))
    return current


def _after_change(actor: User, follow_up: FollowUp, *, previous_assignee_id: int | None, reschedule: bool) -> None:
    customer_next_follow_up_refresh([follow_up.customer_id])
    if follow_up.assignee_id and follow_up.assignee_id not in (previous_assignee_id, actor.pk) and follow_up.is_open:
        Notification.objects.create(user_id=follow_up.assignee_id, kind=Notification.Kind.ASSIGNED, follow_up=follow_up)
    if reschedule and follow_up.is_open and follow_up.remind_at is not None and follow_up.reminder_sent_at is None:
        pk, remind_at = follow_up.pk, follow_up.remind_at
        # robust: a queue that is down must not fail the saved change (the sweep sends the reminder anyway)
        transaction.on_commit(lambda: schedule_reminder(pk, remind_at), robust=True)


def customer_next_follow_up_refresh(customer_ids: Iterable[int | None]) -> None:
    """Recompute ``next_follow_up_at`` (the earliest open follow-up) of these customers from what they have now."""
    ids = [pk for pk in set(customer_ids) if pk is not None]
    if not ids:
        return
    earliest = (
        FollowUp.objects.filter(customer=OuterRef("pk"), status=FollowUp.Status.OPEN)
        .values("customer")
        .annotate(first=Min("due_at"))
        .values("first")
    )
    Customer.objects.filter(pk__in=ids).update(next_follow_up_at=Subquery(earliest))


# --- reminders -------------------------------------------------------------------------------------------------------


def schedule_reminder(follow_up_id: int, remind_at: datetime) -> None:
    """Queue the reminder for its time. A backend that cannot defer (the tests' immediate one) runs a due reminder at
    once and leaves a future one to the sweep."""
    from kelu.followups.tasks import send_reminder

    args = (follow_up_id, remind_at.isoformat())
    if send_reminder.get_backend().supports_defer:
        send_reminder.using(run_after=remind_at).enqueue(*args)
    elif remind_at <= clock.now():
        send_reminder.enqueue(*args)


def reminder_send(follow_up_id: int, remind_at: datetime | None = None) -> bool:
    """Send the reminder of the follow-up if it is due, open, not sent yet, and (when given) still set for
    ``remind_at``; True when this call sent it."""
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))  # PostgreSQL locks no nullable side of a join
            .select_related("assignee", "customer", "contact")
            .filter(pk=follow_up_id)
            .first()
        )
        if (
            follow_up is None
            or not follow_up.is_open
            or follow_up.remind_at is None
            or (remind_at is not None and follow_up.remind_at != remind_at)
            or follow_up.reminder_sent_at is not None
            or follow_up.remind_at > clock.now() + EARLY_TOLERANCE
            or follow_up.assignee is None
            or not follow_up.assignee.is_active
            or (follow_up.customer is not None and follow_up.customer.deleted_at is not None)
        ):
            return False
        follow_up.reminder_sent_at = clock.now()
        follow_up.save(update_fields=["reminder_sent_at"])
        Notification.objects.create(user=follow_up.assignee, kind=Notification.Kind.REMINDER, follow_up=follow_up)
        user = follow_up.assignee
        transaction.on_commit(lambda: _email(user, "followups/email/reminder", {"follow_up": follow_up}), robust=True)
    return True


def reminders_send_due() -> int:
    """The sweep: send every due reminder not sent yet (a queue entry may have been lost); returns how many."""
    due = FollowUp.objects.filter(
        status=FollowUp.Status.OPEN, remind_at__lte=clock.now(), reminder_sent_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(reminder_send(pk) for pk in list(due[:1000]))


# --- the daily digest ------------------------------------------------------------------------------------------------


def digests_send() -> int:
    """Send each user who wants it, once per day of their own, after the morning hour, the list of their overdue
    follow-ups; returns how many digests went out."""
    now = clock.now()
    users = (
        User.objects.filter(is_active=True, follow_ups__status=FollowUp.Status.OPEN, follow_ups__due_at__lt=now)
        .exclude(follow_up_preferences__daily_digest=False)
        .distinct()
    )
    return sum(digest_send(user=user, now=now) for user in users)


def digest_send(*, user: User, now: datetime) -> bool:
    local = now.astimezone(selectors.user_zone(user))
    if local.hour < DIGEST_HOUR:
        return False
    Preferences.objects.get_or_create(user=user)
    with transaction.atomic():
        preferences = Preferences.objects.select_for_update().get(user=user)
        if not preferences.daily_digest or preferences.digest_sent_on == local.date():
            return False
        items = list(selectors.overdue_for(user, now=now))
        if not items:
            return False
        preferences.digest_sent_on = local.date()
        preferences.save(update_fields=["digest_sent_on"])
        Notification.objects.create(user=user, kind=Notification.Kind.DIGEST, count=len(items))
        transaction.on_commit(lambda: _email(user, "followups/email/digest", {"items": items, "now": now}), robust=True)
    return True


def _email(user: User, template: str, context: dict[str, Any]) -> None:
    """Mail the user in their language and time zone, when email is set up and they have an address."""
    if not settings.KELU_EMAIL_CONFIGURED or not user.email:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(selectors.user_zone(user)):
        context = {**context, "user": user, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, None, [user.email])


# --- notifications and preferences -----------------------------------------------------------------------------------


def notification_read(*, actor: User, notification: Notification) -> Notification:
    if notification.user_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=clock.now())


@transaction.atomic
def preferences_update(*, user: User, daily_digest: bool) -> Preferences:
    preferences, _created = Preferences.objects.get_or_create(user=user)
    preferences.daily_digest = daily_digest
    preferences.save(update_fields=["daily_digest"])
    return preferences


@transaction.atomic
def calendar_token_create(*, user: User) -> str:
    """A new secret address of the user's calendar feed (the old one stops working); returns the raw token."""
    preferences, _created = Preferences.objects.get_or_create(user=user)
    raw, hashed = Preferences.generate_token()
    preferences.calendar_token_hash = hashed
    preferences.calendar_token_created_at = clock.now()
    preferences.save(update_fields=["calendar_token_hash", "calendar_token_created_at"])
    return raw


@transaction.atomic
def calendar_token_revoke(*, user: User) -> None:
    Preferences.objects.filter(user=user).update(calendar_token_hash=None, calendar_token_created_at=None)


def calendar_owner(raw_token: str) -> User | None:
    """The active user whose feed the token opens, if any."""
    if not raw_token:
        return None
    preferences = (
        Preferences.objects.select_related("user")
        .filter(calendar_token_hash=Preferences.hash_token(raw_token), user__is_active=True)
        .first()
    )
    return preferences.user if preferences else None
