"""Reads of duplicate candidates and merges, scoped like every customer read (both records must be visible)."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kelu.accounts.models import User
from kelu.customers.models import ContactPoint, Customer, FieldDefinition
from kelu.customers.selectors import contacts_visible_to, customers_visible_to, field_definitions
from kelu.quality.models import CustomerDuplicate, Merge

PAIR_LIMIT = 5000


@dataclass
class DuplicateGroup:
    customers: list[Customer]
    reasons: set[str] = field(default_factory=set)
    score: int = 0


def duplicate_pairs_visible_to(user: User) -> QuerySet[CustomerDuplicate]:
    visible = customers_visible_to(user).values("pk")
    return CustomerDuplicate.objects.filter(dismissed_at__isnull=True, left__in=visible, right__in=visible)


def duplicate_groups_visible_to(user: User, *, limit: int = 50) -> list[DuplicateGroup]:
    """Connected groups of probable duplicates, best score first."""
    pairs = list(duplicate_pairs_visible_to(user).order_by("-score")[:PAIR_LIMIT])
    parent: dict[int, int] = {}

    def root(pk: int) -> int:
        parent.setdefault(pk, pk)
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for pair in pairs:
        parent[root(pair.left_id)] = root(pair.right_id)
    groups: dict[int, DuplicateGroup] = {}
    for pair in pairs:
        group = groups.setdefault(root(pair.left_id), DuplicateGroup(customers=[]))
        group.reasons.add(pair.reason)
        group.score = max(group.score, pair.score)
    members: dict[int, list[int]] = {}
    for pk in parent:
        members.setdefault(root(pk), []).append(pk)
    ranked = sorted(groups.items(), key=lambda item: -item[1].score)[:limit]
    wanted = [pk for key, _group in ranked for pk in members[key]]
    customers = customers_visible_to(user).select_related("owner").prefetch_related("points").in_bulk(wanted)
    result = []
    for key, group in ranked:
        group.customers = sorted((customers[pk] for pk in members[key] if pk in customers), key=lambda c: c.pk)
        if len(group.customers) > 1:
            result.append(group)
    return result


def merges_visible_to(user: User) -> QuerySet[Merge]:
    return Merge.objects.filter(
        Q(survivor__in=customers_visible_to(user).values("pk"))
        | Q(contact_survivor__in=contacts_visible_to(user).values("pk"))
    )


@dataclass
class CleanupCount:
    key: str
    label: str
    count: int
    query: str  # the customer list filter that shows these records


COUNT_CAP = 10_000


def _capped(qs: QuerySet[Any]) -> int:
    return qs[: COUNT_CAP + 1].count()


def cleanup_counts(user: User, *, stale_days: int = 90) -> list[CleanupCount]:
    """How much of the visible data needs care, each count linked to the list filter that shows it.

    Counts stop at 10,000 (shown as "10,000+"): an exact count of a million rows is not worth its scan.
    """
    visible = customers_visible_to(user)
    since = timezone.now() - timedelta(days=stale_days)
    no_points = visible.exclude(
        pk__in=ContactPoint.objects.filter(customer__isnull=False).values("customer_id")
    ).exclude(  # NOT IN over a NULL never matches: only points of contacts that belong to a customer
        pk__in=ContactPoint.objects.filter(contact__deleted_at__isnull=True, contact__customer__isnull=False).values(
            "contact__customer_id"
        )
    )
    rows = [
        CleanupCount(
            "invalid_phone", _("Invalid phone numbers"), _capped(_with_invalid(visible, "phone")), "invalid=phone"
        ),
        CleanupCount(
            "invalid_email", _("Invalid email addresses"), _capped(_with_invalid(visible, "email")), "invalid=email"
        ),
        CleanupCount("no_points", _("Without any phone or email"), _capped(no_points), "no_points=1"),
        CleanupCount(
            "no_owner", _("Without owner (public pool)"), _capped(visible.filter(owner__isnull=True)), "owner=pool"
        ),
        CleanupCount(
            "stale",
            _("Not contacted for %(days)d days") % {"days": stale_days},
            _capped(visible.filter(Q(last_contacted_at__lt=since) | Q(last_contacted_at__isnull=True))),
            f"stale_days={stale_days}",
        ),
    ]
    for definition in field_definitions(FieldDefinition.Entity.CUSTOMER):
        if definition.is_required:
            missing = visible.filter(
                Q(**{f"custom__{definition.key}__isnull": True}) | Q(**{f"custom__{definition.key}": ""})
            )
            rows.append(
                CleanupCount(
                    f"missing_{definition.key}",
                    _("Missing required “%(label)s”") % {"label": definition.label},
                    _capped(missing),
                    f"missing={definition.key}",
                )
            )
    return rows


def _with_invalid(visible: QuerySet[Customer], kind: str) -> QuerySet[Customer]:
    bad = ContactPoint.objects.filter(kind=kind, is_valid=False)
    return visible.filter(
        Q(pk__in=bad.filter(customer__isnull=False).values("customer_id"))
        | Q(
            pk__in=bad.filter(contact__deleted_at__isnull=True, contact__customer__isnull=False).values(
                "contact__customer_id"
            )
        )
    )
