"""Every read of follow-ups and notifications, scoped by the acting user: a follow-up is visible with its customer
(or, for a contact of no customer, with that contact); notifications are their recipient's alone."""

import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from kelu.accounts.models import User
from kelu.activities.selectors import activity_scope
from kelu.core import clock
from kelu.customers.models import Customer
from kelu.followups.models import FollowUp, Notification

MY_DAY_LIMIT = 200  # per section: a longer list is not a day's work, and the page must stay light


def follow_ups_visible_to(user: User) -> QuerySet[FollowUp]:
    # The same rule as interactions: both hang off a customer, or off a contact of no customer.
    return FollowUp.objects.filter(activity_scope(user))


def follow_up_list_queryset(user: User) -> QuerySet[FollowUp]:
    return follow_ups_visible_to(user).select_related("assignee", "customer", "contact", "created_by")


def user_zone(user: User) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)


def overdue_for(user: User, *, now: datetime | None = None) -> QuerySet[FollowUp]:
    """The user's open follow-ups whose time has passed, oldest first (the digest and My day)."""
    now = now or clock.now()
    return follow_up_list_queryset(user).filter(assignee=user, status=FollowUp.Status.OPEN, due_at__lt=now)


def my_day(user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """My day: overdue, the rest of today, the next 7 days, and what was done today (in the user's time zone)."""
    now = now or clock.now()
    zone = user_zone(user)
    start = datetime.combine(now.astimezone(zone).date(), time.min, tzinfo=zone)
    tomorrow = start + timedelta(days=1)
    mine = follow_up_list_queryset(user).filter(assignee=user)
    open_ = mine.filter(status=FollowUp.Status.OPEN)
    return {
        "overdue": list(open_.filter(due_at__lt=now)[:MY_DAY_LIMIT]),
        "today": list(open_.filter(due_at__gte=now, due_at__lt=tomorrow)[:MY_DAY_LIMIT]),
        "week": list(open_.filter(due_at__gte=tomorrow, due_at__lt=tomorrow + timedelta(days=7))[:MY_DAY_LIMIT]),
        "done_today": list(
            mine.filter(status=FollowUp.Status.DONE, completed_at__gte=start).order_by("-completed_at")[:MY_DAY_LIMIT]
        ),
        "now": now,
    }


def customers_with_overdue_follow_ups(
    customers: QuerySet[Customer], *, now: datetime | None = None
) -> QuerySet[Customer]:
    """The customers of ``customers`` with an open follow-up past its time.

    For the list filter language (``overdue=1``); reads the indexed ``next_follow_up_at`` (the earliest open
    follow-up) that the services maintain.
    """
    return customers.filter(next_follow_up_at__lt=now or clock.now())


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("follow_up", "follow_up__customer")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
