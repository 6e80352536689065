"""One stream of everything that happened to a customer or a contact: interactions, follow-ups and recorded changes
(edits, imports, merges, restores), newest first, filterable by kind, in pages."""

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, F, QuerySet, When
from django.utils.translation import gettext_lazy as _

from kelu.accounts.models import User
from kelu.activities.models import Activity
from kelu.activities.selectors import activity_list_queryset
from kelu.core.permissions import may_see_full_contacts
from kelu.customers.history import history_entries
from kelu.customers.models import Contact, Customer
from kelu.followups.models import FollowUp
from kelu.followups.selectors import follow_up_list_queryset

PAGE_SIZE = 20
INTERACTIONS, FOLLOW_UPS, CHANGES = "interactions", "follow_ups", "changes"
FILTERS = [
    ("", _("Everything")),
    (INTERACTIONS, _("Interactions")),
    *Activity.Kind.choices,
    (FOLLOW_UPS, _("Follow-ups")),
    (CHANGES, _("Changes")),
]


@dataclass(frozen=True)
class Item:
    kind: str  # "activity", "follow_up" or "change"
    at: datetime
    obj: Any


@dataclass(frozen=True)
class Page:
    items: list[Item]
    number: int
    has_next: bool
    kind: str


def follow_up_time(follow_up: FollowUp) -> datetime:
    """Where a follow-up stands in the stream: its due time while open, else when it was closed."""
    if follow_up.status == FollowUp.Status.DONE and follow_up.completed_at:
        return follow_up.completed_at
    if follow_up.status == FollowUp.Status.CANCELLED:
        return follow_up.updated_at
    return follow_up.due_at


def timeline(user: User, record: Customer | Contact, *, kind: str = "", page: int = 1) -> Page:
    """A page of the record's stream as ``user`` may see it (the record itself is already known visible)."""
    kind = kind if kind in dict(FILTERS) else ""
    page = max(1, page)
    wanted = page * PAGE_SIZE + 1  # each source gives at most what the page could need, plus one to know of more
    sources: list[Iterator[Item]] = []
    field = "customer" if isinstance(record, Customer) else "contact"
    if kind in ("", INTERACTIONS, *Activity.Kind.values):
        activities = activity_list_queryset(user).filter(**{field: record})
        if kind in Activity.Kind.values:
            activities = activities.filter(kind=kind)
        sources.append(Item("activity", a.occurred_at, a) for a in activities.order_by("-occurred_at", "-id")[:wanted])
    if kind in ("", FOLLOW_UPS):
        sources.append(_follow_ups(follow_up_list_queryset(user).filter(**{field: record}), wanted))
    if kind in ("", CHANGES):
        entries = history_entries(record, full_contacts=may_see_full_contacts(user))
        sources.append(Item("change", e["record"].history_date, e) for e in entries[:wanted])
    merged = list(heapq.merge(*sources, key=lambda item: item.at, reverse=True))
    start = (page - 1) * PAGE_SIZE
    return Page(
        items=merged[start : start + PAGE_SIZE], number=page, has_next=len(merged) > page * PAGE_SIZE, kind=kind
    )


def _follow_ups(qs: QuerySet[FollowUp], wanted: int) -> Iterator[Item]:
    at = Case(
        When(status=FollowUp.Status.DONE, completed_at__isnull=False, then=F("completed_at")),
        When(status=FollowUp.Status.CANCELLED, then=F("updated_at")),
        default=F("due_at"),
    )
    rows = qs.annotate(timeline_at=at).order_by("-timeline_at", "-id")[:wanted]
    return (Item("follow_up", follow_up_time(f), f) for f in rows)
