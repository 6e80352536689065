"""Database upkeep shared by the bulk writers."""

from django.db import connection


def refresh_statistics() -> None:
    """Let the query planner know the tables' sizes again after a bulk load (SQLite keeps none until told: without
    them it walks ``deleted_at`` instead of the name index, for one)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
