"""Audit entries for logins, logouts, failed logins (Django's authentication signals) and lockouts (django-axes)."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from kelu.accounts.audit import record_event
from kelu.accounts.models import AuditEvent


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event(action=AuditEvent.Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event(action=AuditEvent.Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The user name tried, never the password; no user link, whether or not the account exists.
    username = str(credentials.get("username", ""))[:150]
    record_event(action=AuditEvent.Action.LOGIN_FAILED, request=request, details={"username": username})


@receiver(user_locked_out)
def audit_locked_out(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    record_event(
        action=AuditEvent.Action.LOGIN_THROTTLED, request=request, details={"username": str(username or "")[:150]}
    )
