from typing import Any

from kelu.accounts.models import ApiToken, AuditEvent, User


def tokens_of(user: User) -> "list[ApiToken]":
    return list(ApiToken.objects.filter(user=user))


def user_by_token(raw: str) -> tuple[User, ApiToken] | None:
    token = ApiToken.objects.active().matching(raw).select_related("user__role").first()
    if token is None:
        return None
    return token.user, token


def audit_events(*, actor: str = "", action: str = "", target: str = "", since: Any = None, until: Any = None) -> Any:
    """The audit log, filtered; administrators only (the callers check)."""
    events = AuditEvent.objects.all()
    if actor:
        events = events.filter(actor_name=actor)
    if action:
        events = events.filter(action=action)
    if target:
        kind, _sep, pk = target.partition(":")
        events = events.filter(target_type=kind, target_id=pk) if pk else events.filter(target_type=kind)
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lt=until)
    return events
