"""Shared API building blocks."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import pagination, permissions
from rest_framework.request import Request

from kelu.accounts.models import User
from kelu.core.permissions import is_read_only


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


class WritableRole(permissions.IsAuthenticated):
    """The default API permission: logged in, and read-only roles may only read.

    Endpoints about the caller's own account opt out with ``permission_classes = [IsAuthenticated]``.
    """

    message = _("Your role is read-only.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or not is_read_only(request.user)
