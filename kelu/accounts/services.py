"""Every write to accounts: users, teams and API tokens."""

import secrets
from collections.abc import Sequence

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kelu.accounts.audit import record_event
from kelu.accounts.models import ApiToken, AuditEvent, Role, Team, User


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    password: str | None = None,
    teams: Sequence[str] = (),
    display_name: str = "",
    email: str = "",
) -> tuple[User, str]:
    """Create a user; returns it with its password (generated when none is given, to be shown once)."""
    username = username.strip()
    if role not in Role.Key.values:
        raise ValidationError(
            _("Unknown role “%(role)s”; choose one of: %(roles)s."),
            params={"role": role, "roles": ", ".join(Role.Key.values)},
            code="invalid_role",
        )
    user = User(username=username, role_id=role, display_name=display_name.strip(), email=email.strip())
    user.full_clean(exclude=["password"])
    password = password or generate_password()
    validate_password(password, user)
    user.set_password(password)
    user.save()
    if teams:
        user.teams.set([team_get_or_create(name=name) for name in teams])
    record_event(action=AuditEvent.Action.USER_CREATED, target=user, details={"role": role, "teams": list(teams)})
    return user, password


def team_get_or_create(*, name: str) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError(_("A team needs a name."), code="required")
    team, _created = Team.objects.get_or_create(name=name)
    return team


@transaction.atomic
def first_admin_ensure() -> tuple[User, str] | None:
    """On a fresh installation, create the first administrator; returns it with its password, or None."""
    if User.objects.exists():
        return None
    return user_create(username="admin", role=Role.Key.ADMIN, display_name=_("Administrator"))


def user_update_preferences(*, user: User, display_name: str, language: str, time_zone: str) -> User:
    user.display_name = display_name.strip()
    user.language = language
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "language", "time_zone"])
    return user


def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


@transaction.atomic
def token_create(*, user: User, name: str = "", request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """A new API token for the user; returns the raw token, which is never stored and so shown only now."""
    raw, key_hash = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name.strip()[:100], key_hash=key_hash, key_hint=raw[:9])
    record_event(
        action=AuditEvent.Action.TOKEN_CREATED, request=request, target=token,
        details={"user": user.username, "via": "web" if request else "cli"},
    )  # fmt: skip
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, request: HttpRequest | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            action=AuditEvent.Action.TOKEN_REVOKED, request=request, target=token,
            details={"user": token.user.username, "via": "web" if request else "cli"},
        )  # fmt: skip
    return token


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators may manage users and roles."))


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    role: str | None = None,
    teams: Sequence[str] | None = None,
    is_active: bool | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    """An administrator changes a user; role, team and activity changes are audited and apply on the next request."""
    _require_admin(actor)
    if role is not None and role not in Role.Key.values:
        raise ValidationError({"role": [_("Unknown role “%(role)s”.") % {"role": role}]})
    if user.pk == actor.pk and ((role is not None and role != Role.Key.ADMIN) or is_active is False):
        raise ValidationError({"role": [_("You cannot demote or deactivate yourself.")]})
    before = {
        "role": user.role_id,
        "teams": sorted(user.teams.values_list("name", flat=True)),
        "active": user.is_active,
    }
    if role is not None:
        user.role_id = role
    if is_active is not None:
        user.is_active = is_active
    if display_name is not None:
        user.display_name = display_name.strip()
    if email is not None:
        user.email = email.strip()
    user.full_clean(exclude=["password"])
    user.save()
    if teams is not None:
        user.teams.set([team_get_or_create(name=name) for name in teams if name.strip()])
    after = {"role": user.role_id, "teams": sorted(user.teams.values_list("name", flat=True)), "active": user.is_active}
    if after != before:
        changes = {key: [before[key], after[key]] for key in after if after[key] != before[key]}
        record_event(action=AuditEvent.Action.ROLE_CHANGED, actor=actor, target=user, details=changes)
    return user


@transaction.atomic
def role_update(*, actor: User, role: Role, flags: dict[str, bool]) -> Role:
    """An administrator sets a role's flags (may import, export, delete, see full contact details)."""
    _require_admin(actor)
    allowed = ("can_import", "can_export", "can_delete", "can_see_full_contacts", "require_2fa")
    unknown = [name for name in flags if name not in allowed]
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
    if role.key == Role.Key.ADMIN and not all(flags.get(name, True) for name in allowed[:4]):
        raise ValidationError(_("Administrators always have every right."))
    changes = {
        name: [getattr(role, name), bool(value)] for name, value in flags.items() if getattr(role, name) != value
    }
    for name, value in flags.items():
        setattr(role, name, bool(value))
    role.save()
    if changes:
        record_event(action=AuditEvent.Action.PERMISSIONS_CHANGED, actor=actor, target=role, details=changes)
    return role
