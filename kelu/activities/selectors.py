"""Every read of interactions, scoped by the acting user: an interaction is visible with its customer (or, for a
contact of no customer, with that contact)."""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from kelu.accounts.models import User
from kelu.activities.models import Activity, Attachment
from kelu.core import clock
from kelu.core.permissions import record_scope
from kelu.customers.models import Customer


def activity_scope(user: User, prefix: str = "") -> Q:
    of_customer = Q(**{f"{prefix}customer__isnull": False, f"{prefix}customer__deleted_at__isnull": True})
    of_customer &= record_scope(user, f"{prefix}customer__")
    of_contact = Q(
        **{
            f"{prefix}customer__isnull": True,
            f"{prefix}contact__isnull": False,
            f"{prefix}contact__customer__isnull": True,
            f"{prefix}contact__deleted_at__isnull": True,
        }
    ) & record_scope(user, f"{prefix}contact__", has_team=False)
    return of_customer | of_contact


def activities_visible_to(user: User) -> QuerySet[Activity]:
    return Activity.objects.filter(activity_scope(user))


def activity_list_queryset(user: User) -> QuerySet[Activity]:
    return (
        activities_visible_to(user)
        .select_related("author", "customer", "contact")
        .prefetch_related("attachments", "follow_ups")
    )


def attachments_visible_to(user: User) -> QuerySet[Attachment]:
    return Attachment.objects.filter(activity_scope(user, "activity__"))


def customers_not_contacted_for(
    customers: QuerySet[Customer], *, days: int, now: datetime | None = None
) -> QuerySet[Customer]:
    """The customers of ``customers`` with no interaction in the last ``days`` days (never contacted included).

    For the list filter language (``stale_days=N``); reads the indexed ``last_contacted_at`` the services maintain.
    """
    cutoff = (now or clock.now()) - timedelta(days=days)
    return customers.filter(Q(last_contacted_at__lt=cutoff) | Q(last_contacted_at__isnull=True))
