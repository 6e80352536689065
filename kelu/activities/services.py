"""Every write to interactions and their attachments, and the derived ``Customer.last_contacted_at``.

Logging an interaction needs the right to edit its customer (or, for a contact of no customer, that contact);
changing or deleting one is for its author, or a manager or administrator who may edit the customer.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from kelu.accounts.models import Role, User
from kelu.activities.models import Activity, Attachment
from kelu.core import clock, permissions
from kelu.customers.models import Contact, Customer

ACTIVITY_FIELDS = (
    "kind", "occurred_at", "subject", "notes", "direction", "duration_seconds", "outcome", "place", "participants",
    "amount", "currency",
)  # fmt: skip
# A few minutes of clock difference between a phone and the server are not "the future".
FUTURE_GRACE = timedelta(minutes=5)
MAX_ATTACHMENTS = 10
DEFAULT_CURRENCY = "CNY"
TEXT_LIMITS = {"subject": 200, "place": 200, "participants": 500}  # the columns' lengths


def may_log(user: User, *, customer: Customer | None, contact: Contact | None) -> bool:
    if permissions.is_read_only(user):
        return False
    if customer is not None:
        return permissions.may_edit_customer(user, customer)
    return contact is not None and permissions.may_edit_contact(user, contact)


def may_change(user: User, activity: Activity) -> bool:
    """The author, or a manager or administrator who may edit the customer (or the standalone contact)."""
    if permissions.is_read_only(user):
        return False
    if activity.author_id == user.pk:
        return True
    if user.role_id not in (Role.Key.MANAGER, Role.Key.ADMIN):
        return False
    return may_log(user, customer=activity.customer, contact=activity.contact)


def _links(customer: Customer | None, contact: Contact | None) -> tuple[Customer | None, Contact | None]:
    """A contact of a customer brings its customer along; a contact of another customer is refused."""
    if contact is not None and contact.customer_id:
        if customer is not None and customer.pk != contact.customer_id:
            raise ValidationError({"contact": [_("This contact belongs to another customer.")]})
        customer = contact.customer
    if customer is None and contact is None:
        raise ValidationError({"customer": [_("Choose the customer or the contact of this interaction.")]})
    if customer is not None and customer.deleted_at is not None:
        raise ValidationError({"customer": [_("This customer is in the trash.")]})
    if contact is not None and contact.deleted_at is not None:
        raise ValidationError({"contact": [_("This contact is in the trash.")]})
    return customer, contact


def _clean(activity: Activity) -> None:
    """Every problem of the values at once, in the user's language."""
    errors: dict[str, list[str]] = {}
    if activity.kind not in Activity.Kind.values:
        errors["kind"] = [_("Choose the kind of interaction.")]
    if activity.occurred_at is None:
        errors["occurred_at"] = [_("Say when it happened.")]
    elif activity.occurred_at > clock.now() + FUTURE_GRACE:
        errors["occurred_at"] = [_("An interaction cannot lie in the future; plan it as a follow-up instead.")]
    if activity.direction and activity.direction not in Activity.Direction.values:
        errors["direction"] = [_("Choose incoming or outgoing.")]
    if activity.outcome and activity.outcome not in Activity.Outcome.values:
        errors["outcome"] = [_("Choose one of the listed outcomes.")]
    if activity.duration_seconds is not None and activity.duration_seconds < 0:
        errors["duration_seconds"] = [_("A duration cannot be negative.")]
    if activity.amount is not None:
        try:
            activity.amount = Decimal(activity.amount).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError):
            errors["amount"] = [_("Enter an amount such as 1200.50.")]
        else:
            if abs(activity.amount) >= Decimal("1e12"):
                errors["amount"] = [_("This amount is too large.")]
    if activity.kind == Activity.Kind.TRANSACTION and activity.amount is None:
        errors["amount"] = [_("A transaction needs an amount.")]
    activity.currency = (activity.currency or "").strip().upper()
    if activity.amount is not None and not activity.currency:
        activity.currency = DEFAULT_CURRENCY
    if activity.currency and not (
        len(activity.currency) == 3 and activity.currency.isascii() and activity.currency.isalpha()
    ):
        errors["currency"] = [_("Use a three-letter currency code such as CNY or USD.")]
    for name, limit in TEXT_LIMITS.items():
        setattr(activity, name, " ".join(str(getattr(activity, name) or "").split()))
        if len(getattr(activity, name)) > limit:
            errors[name] = [_("This text is too long.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def activity_create(
    *,
    actor: User,
    values: dict[str, Any],
    customer: Customer | None = None,
    contact: Contact | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Activity:
    customer, contact = _links(customer, contact)
    if not may_log(actor, customer=customer, contact=contact):
        raise PermissionDenied(_("You may not log interactions of this customer."))
    activity = Activity(author=actor, customer=customer, contact=contact)
    for key, value in values.items():
        if key in ACTIVITY_FIELDS:
            setattr(activity, key, value)
    if activity.occurred_at is None:
        activity.occurred_at = clock.now()
    _clean(activity)
    _check_files(attachments, existing=0)
    activity.save()
    for upload in attachments:
        _attach(actor, activity, upload)
    customer_last_contacted_refresh([activity.customer_id])
    return activity


@transaction.atomic
def activity_update(
    *, actor: User, activity: Activity, values: dict[str, Any], contact: Contact | bool | None = False
) -> Activity:
    """Change the given fields; ``contact`` (a contact of the same customer, or None) when given."""
    activity = (
        Activity.objects.select_for_update(of=("self",)).select_related("customer", "contact").get(pk=activity.pk)
    )
    if not may_change(actor, activity):
        raise PermissionDenied(_("Only the author or a manager may change this interaction."))
    if contact is not False:
        new_contact = contact if isinstance(contact, Contact) else None
        if activity.customer is None and new_contact is None:
            raise ValidationError({"contact": [_("Choose the customer or the contact of this interaction.")]})
        if new_contact is not None:
            _links(activity.customer, new_contact)
        activity.contact = new_contact
    for key, value in values.items():
        if key in ACTIVITY_FIELDS:
            setattr(activity, key, value)
    _clean(activity)
    activity.save()
    customer_last_contacted_refresh([activity.customer_id])
    return activity


@transaction.atomic
def activity_delete(*, actor: User, activity: Activity) -> None:
    """Delete for good (its attachments' files go once the transaction commits); the customer's facts follow."""
    activity = (
        Activity.objects.select_for_update(of=("self",)).select_related("customer", "contact").get(pk=activity.pk)
    )
    if not may_change(actor, activity):
        raise PermissionDenied(_("Only the author or a manager may delete this interaction."))
    customer_id = activity.customer_id
    activity.delete()
    customer_last_contacted_refresh([customer_id])


def _check_files(uploads: Sequence[UploadedFile], *, existing: int) -> None:
    limit = settings.KELU_ATTACHMENT_MAX_MB * 1024 * 1024
    errors = []
    if existing + len(uploads) > MAX_ATTACHMENTS:
        errors.append(_("An interaction can have at most %(count)d attachments.") % {"count": MAX_ATTACHMENTS})
    for upload in uploads:
        if (upload.size or 0) > limit:
            errors.append(
                _("“%(name)s” is larger than %(limit)d MB.")
                % {"name": upload.name, "limit": settings.KELU_ATTACHMENT_MAX_MB}
            )
        elif not upload.size:
            errors.append(_("“%(name)s” is empty.") % {"name": upload.name})
    if errors:
        raise ValidationError({"attachments": errors})


def _attach(actor: User, activity: Activity, upload: UploadedFile) -> Attachment:
    attachment = Attachment(
        activity=activity,
        original_name=(upload.name or "file")[-255:],
        size=upload.size or 0,
        content_type=(upload.content_type or "")[:100],
        uploaded_by=actor,
    )
    # Everything is validated before the first file is written, so only an unexpected failure can leave one behind.
    attachment.file.save("upload", upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(*, actor: User, activity: Activity, uploads: Sequence[UploadedFile]) -> list[Attachment]:
    activity = (
        Activity.objects.select_for_update(of=("self",)).select_related("customer", "contact").get(pk=activity.pk)
    )
    if not may_change(actor, activity):
        raise PermissionDenied(_("Only the author or a manager may change this interaction."))
    _check_files(uploads, existing=activity.attachments.count())
    return [_attach(actor, activity, upload) for upload in uploads]


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    if not may_change(actor, attachment.activity):
        raise PermissionDenied(_("Only the author or a manager may change this interaction."))
    attachment.delete()


def customer_last_contacted_refresh(customer_ids: Iterable[int | None]) -> None:
    """Recompute ``last_contacted_at`` of these customers from the interactions they have now.

    A plain UPDATE: a derived fact is neither a change of the customer's history nor of its ``updated_at``.
    """
    ids = [pk for pk in set(customer_ids) if pk is not None]
    if not ids:
        return
    latest = (
        Activity.objects.filter(customer=OuterRef("pk"), kind__in=Activity.CONTACTING_KINDS)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    Customer.objects.filter(pk__in=ids).update(last_contacted_at=Subquery(latest))
