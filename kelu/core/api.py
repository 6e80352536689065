"""Shared API building blocks."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: every page costs the same however deep it is, and rows added meanwhile are not skipped."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500
