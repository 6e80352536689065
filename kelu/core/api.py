"""Shared API building blocks."""

from rest_framework import pagination
from rest_framework.request import Request

from kelu.accounts.models import User


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: every page costs the same however deep it is, and rows added meanwhile are not skipped."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500


def acting_user(request: Request) -> User:
    """The authenticated user of an API request (every endpoint requires one)."""
    user = request.user
    assert isinstance(user, User)
    return user
