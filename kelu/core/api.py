"""Shared API building blocks."""

from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.accounts.models import User
from kelu.core.heap import release
from kelu.core.permissions import is_read_only


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: every page costs the same however deep it is, and rows added meanwhile are not skipped."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        release(self.page or (), serialized=data)  # serialized and linked: let the page go (kelu.core.heap)
        self.page = []  # the view and its request point at each other, and at this paginator
        return response


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


class AdministratorsChange(WritableRole):
    """Everyone reads; only administrators change (settings-like resources). Checked before the input is."""

    message = _("Only administrators may change this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or request.user.is_admin


class StrictInput(serializers.Serializer):
    """Input that refuses fields it does not take (``id``, ``role``, ``created_at``, typos) instead of ignoring them.

    A client that believes it changed something must hear that it did not.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                message = _("This field cannot be set here.")
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)


def validated(serializer_class: type[serializers.Serializer], data: Any, *, partial: bool = False) -> dict[str, Any]:
    """The input checked by ``serializer_class``; a 400 problem+json naming each bad field otherwise."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def query_id(request: Request, name: str) -> int | None:
    """A numeric id from the query string, None when absent; anything else is a 400 naming the parameter."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise serializers.ValidationError({name: [_("Use a numeric id.")]})
    return int(raw)


def query_moment(request: Request, name: str) -> Any:
    """An ISO 8601 time from the query string, None when absent; anything else is a 400 naming the parameter."""
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        raise serializers.ValidationError({name: [_("Use an ISO 8601 time, e.g. 2026-01-31T08:00:00Z.")]})
    return moment
