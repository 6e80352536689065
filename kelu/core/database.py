"""Database upkeep shared by the bulk writers, and the session settings every connection starts with."""

from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper


def refresh_statistics() -> None:
    """Let the query planner know the tables' sizes again after a bulk load (SQLite keeps none until told: without
    them it walks ``deleted_at`` instead of the name index, for one).

    PostgreSQL is also vacuumed when no transaction is open (VACUUM cannot run in one): freshly loaded rows are not
    yet marked visible to all, so each read of them checks and rewrites them, and the search index's pending list
    is merged. Autovacuum gets there eventually, unless it lags or is switched off: 3+ character and pinyin searches
    of a just-built million-customer database took 14–22 ms (p50) after it, 23–32 ms before (bench, autovacuum off)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")


def configure_session(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """PostgreSQL: no JIT compilation. It pays off for queries that run for seconds, and a page's queries take
    milliseconds, but the planner turns it on by estimated cost: a search statement whose unlikely branch is
    estimated dear spent 18 ms compiling to run for 1 ms. Set per session rather than in the connection string,
    which connection poolers such as PgBouncer refuse."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
