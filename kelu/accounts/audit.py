"""Writing the audit trail: one call per audited action, inside the caller's transaction.

The client address is the connection's, or the first ``X-Forwarded-For`` entry only when Kelu is configured to run
behind a proxy (``KELU_BEHIND_PROXY``): otherwise anyone could write their own address into the log.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from kelu.accounts.models import AuditEvent, User

_current_request: ContextVar[HttpRequest | None] = ContextVar("kelu_audit_request", default=None)


class AuditRequestMiddleware:
    """Makes the request being served known to ``record_event``, so services need not pass it down."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    meta = getattr(request, "META", {})
    if settings.SECURE_PROXY_SSL_HEADER and meta.get("HTTP_X_FORWARDED_FOR"):
        return str(meta["HTTP_X_FORWARDED_FOR"]).split(",")[0].strip() or None
    return meta.get("REMOTE_ADDR") or None


def record_event(
    *,
    action: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    request = request if request is not None else _current_request.get()
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user
        actor = user if isinstance(user, User) and user.is_authenticated else None
    meta = getattr(request, "META", {}) if request is not None else {}
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        ip=client_ip(request),
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:200],
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        details=details or {},
    )
