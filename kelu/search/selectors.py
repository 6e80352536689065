"""Reads of the search index, always within a queryset the caller already scoped to the acting user."""

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

RecordT = TypeVar("RecordT", bound=Model)


def apply_search(qs: QuerySet[RecordT], query: str) -> QuerySet[RecordT]:
    """Narrow a scoped customer or contact queryset to the records matching a free-text query."""
    query = query.strip()
    if not query:
        return qs
    lowered = query.lower()
    return qs.filter(
        Q(name__icontains=query) | Q(name_pinyin__startswith=lowered) | Q(name_initials__startswith=lowered)
    )
