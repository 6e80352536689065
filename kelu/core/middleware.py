from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from kelu.core.permissions import is_read_only

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class PageLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a logged-in user unless its view is marked ``@login_not_required``.

    The API is left to DRF, which authenticates bearer tokens too and answers 401 problem+json instead of redirecting.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ReadOnlyRoleMiddleware:
    """Read-only roles get 403 on every unsafe request to a page, before any form is even validated.

    Their own account (the ``accounts`` namespace: logout, password, profile, tokens, language) stays theirs to
    change. The API enforces the same rule in its default permission class; services check it again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.method in SAFE_METHODS or request.path_info.startswith("/api/"):
            return None
        user = request.user
        match = request.resolver_match
        if not user.is_authenticated or (match is not None and "accounts" in match.namespaces):
            return None
        if is_read_only(user):
            raise PermissionDenied(_("Your role is read-only."))
        return None
