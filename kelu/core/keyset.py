"""Keyset (cursor) pagination for the pages' lists, and counts that stop early.

A page is found by "rows after (sort value, id) of the last row shown", which an index answers directly however deep
the page is; OFFSET would read and drop every earlier row, and a full COUNT would read them all. NULLs of a nullable
sort key sort where the database puts them natively (first on SQLite, last on PostgreSQL, ascending), so that plain
indexes serve both.
"""

import base64
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import F, Model, Q, QuerySet

RecordT = TypeVar("RecordT", bound=Model)
SORT_ALIAS = "_keyset_sort"
COUNT_CAP = 10_000


@dataclass
class KeysetPage(Generic[RecordT]):
    rows: list[RecordT]
    next_cursor: str | None
    previous_cursor: str | None


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.datetime.fromisoformat(value["t"])
        if "d" in value:
            return datetime.date.fromisoformat(value["d"])
        if "n" in value:
            return Decimal(value["n"])
        raise ValueError("unknown value")
    return value


def encode_cursor(value: Any, pk: int, *, backwards: bool = False) -> str:
    raw = json.dumps([_encode_value(value), pk, "p" if backwards else "n"], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[Any, int, bool] | None:
    """(sort value, id, backwards), or None for a token that is not ours (then the first page is shown)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, pk, direction = json.loads(raw)
        if not isinstance(pk, int) or direction not in ("n", "p"):
            return None
        return _decode_value(value), pk, direction == "p"
    except (ValueError, TypeError):
        return None


def _nulls_sort_high(qs: QuerySet[Any]) -> bool:
    return connections[qs.db].vendor == "postgresql"


def _after(value: Any, pk: int, *, descending: bool, nulls_after: bool, nullable: bool) -> Q:
    """Rows strictly after (value, pk) in the order (value, pk) both ascending or both descending."""
    beyond, tie = ("lt", "lt") if descending else ("gt", "gt")
    if value is None:
        condition = Q(**{f"{SORT_ALIAS}__isnull": True, f"pk__{tie}": pk})
        return condition if nulls_after else condition | Q(**{f"{SORT_ALIAS}__isnull": False})
    # The leading bound (value ≥ v) lets the index seek straight to the position.
    reach = Q(**{f"{SORT_ALIAS}__{'lte' if descending else 'gte'}": value})
    condition = reach & (Q(**{f"{SORT_ALIAS}__{beyond}": value}) | Q(**{SORT_ALIAS: value, f"pk__{tie}": pk}))
    if nullable and nulls_after:
        condition |= Q(**{f"{SORT_ALIAS}__isnull": True})
    return condition


def _ordered(qs: QuerySet[Any], *, descending: bool) -> QuerySet[Any]:
    if descending:
        return qs.order_by(F(SORT_ALIAS).desc(), "-pk")
    return qs.order_by(F(SORT_ALIAS).asc(), "pk")


def _with_sort(qs: QuerySet[Any], sort: Any) -> QuerySet[Any]:
    return qs.alias(**{SORT_ALIAS: F(sort) if isinstance(sort, str) else sort})


def in_keyset_order(qs: QuerySet[Any], sort: Any, *, descending: bool) -> QuerySet[Any]:
    """``qs`` in the order keyset_page reads it from the start (sort value, then id)."""
    return _ordered(_with_sort(qs, sort), descending=descending)


def keyset_page(
    qs: QuerySet[RecordT],
    sort: Any,
    *,
    descending: bool,
    cursor: str | None,
    size: int,
    nullable: bool = False,
) -> KeysetPage[RecordT]:
    """One page of ``qs`` ordered by ``sort`` (a field path or an expression) then id, starting after ``cursor``."""
    qs = _with_sort(qs, sort)
    position = decode_cursor(cursor) if cursor else None
    backwards = bool(position and position[2])
    direction = descending != backwards  # reading backwards walks the opposite order
    nulls_high = _nulls_sort_high(qs)
    nulls_after = nulls_high != direction  # ascending with NULLs high, or descending with NULLs low
    page_qs = _ordered(qs, descending=direction)
    if position is not None:
        page_qs = page_qs.filter(_after(position[0], position[1], descending=direction, nulls_after=nulls_after,
                                        nullable=nullable))  # fmt: skip
    rows = list(page_qs.annotate(**{f"{SORT_ALIAS}_value": F(SORT_ALIAS)})[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return KeysetPage(rows=[], next_cursor=None, previous_cursor=None)

    def key(row: Any) -> tuple[Any, int]:
        return getattr(row, f"{SORT_ALIAS}_value"), row.pk

    has_next = more if not backwards else True
    has_previous = (position is not None) if not backwards else more
    first, last = key(rows[0]), key(rows[-1])
    return KeysetPage(
        rows=rows,
        next_cursor=encode_cursor(*last) if has_next else None,
        previous_cursor=encode_cursor(*first, backwards=True) if has_previous else None,
    )


def count_capped(qs: QuerySet[Any], *, cap: int | None = None) -> tuple[int, bool]:
    """How many rows, reading at most ``cap + 1`` of them: (count, True) when there are more than ``cap``."""
    cap = COUNT_CAP if cap is None else cap
    found = qs.order_by()[: cap + 1].count()
    return (cap, True) if found > cap else (found, False)
