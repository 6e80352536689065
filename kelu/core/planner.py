"""Hints for SQLite's query planner, which keeps no statistics unless ANALYZE has run.

A list page wants the rows in the list's order, 50 at a time: the cheapest plan walks the index of that order and
stops after a page. SQLite, though, prefers any index that narrows the rows — an owner index for the permission scope
("owner = me OR owner IS NULL OR shared"), a tag's index for a tag filter — then reads and sorts everything that
matches, which for a common condition is a large part of the table. Only conditions that match many rows are hidden
from the planner (a rare one still drives the query, and sorting its few rows is cheap); PostgreSQL plans from its
own statistics and is left alone.
"""

from typing import Any

from django.db import connections
from django.db.models import BooleanField, Case, ExpressionWrapper, Q, QuerySet, Value, When

COMMON = 2_000  # rows: beyond this, walking the list's order beats sorting the matches


def is_common(matching: QuerySet[Any]) -> bool:
    """On SQLite: whether ``matching`` (cheap to count through its index) holds more than COMMON rows."""
    if connections[matching.db].vendor != "sqlite":
        return False
    return matching.order_by()[: COMMON + 1].count() > COMMON


def unless_common(condition: Q, within: QuerySet[Any]) -> Any:
    """``condition`` as is, or wrapped so that SQLite cannot drive the query from it when the rows of ``within`` it
    selects are common."""
    if not condition or connections[within.db].vendor != "sqlite" or not is_common(within.filter(condition)):
        return condition
    hidden = Case(When(condition, then=Value(True)), default=Value(False))
    return ExpressionWrapper(hidden, output_field=BooleanField())
