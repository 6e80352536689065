"""Reads of duplicate candidates and merges, scoped like every customer read (both records must be visible)."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from kelu.accounts.models import User
from kelu.customers.models import Customer
from kelu.customers.selectors import customers_visible_to
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
    return Merge.objects.filter(survivor__in=customers_visible_to(user, trashed=False).values("pk"))
