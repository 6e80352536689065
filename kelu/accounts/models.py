import hashlib
import secrets
import zoneinfo
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.Model):
    """One of the four fixed roles; admins tune the flags (enforcement lives in the permissions layer)."""

    class Key(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MANAGER = "manager", _("Manager")
        SALES = "sales", _("Sales")
        VIEWER = "viewer", _("Viewer")

    key = models.CharField(_("key"), max_length=20, choices=Key.choices, unique=True)
    can_import = models.BooleanField(_("may import"), default=False)
    can_export = models.BooleanField(_("may export"), default=False)
    can_delete = models.BooleanField(_("may delete"), default=False)
    can_see_full_contacts = models.BooleanField(_("may see full contact details"), default=False)
    require_2fa = models.BooleanField(_("must use two-factor sign-in"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return str(self.Key(self.key).label)


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, blank=True)
    role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        to_field="key",
        default=Role.Key.SALES,
        related_name="users",
        verbose_name=_("role"),
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="members", verbose_name=_("teams"))

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_admin(self) -> bool:
        return self.role_id == Role.Key.ADMIN


def _hash_token(raw: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def matching(self, raw: str) -> "ApiTokenQuerySet":
        return self.filter(key_hash=_hash_token(raw))


class ApiToken(models.Model):
    """A bearer token for scripts. Only its hash is stored; the token itself is shown once, on creation."""

    PREFIX = "kelu_"
    # Recording every use would turn each API read into a write.
    LAST_USED_RESOLUTION = timedelta(minutes=1)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(_("token starts with"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.key_hint}… ({self.name})" if self.name else f"{self.key_hint}…"

    @classmethod
    def generate(cls) -> tuple[str, str]:
        """A new raw token and its hash."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        return raw, _hash_token(raw)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def touch(self) -> bool:
        """Note the use (at most once a minute); True when it was noted."""
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= self.LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
            return True
        return False


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Append-only: the log is never updated or deleted through the app."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Who did what, when, from where, to which object: logins, tokens, permission changes, exports, deletions..."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGIN_THROTTLED = "login_throttled", _("Login throttled")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_USED = "token_used", _("API token used")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        USER_CREATED = "user_created", _("User created")
        ROLE_CHANGED = "role_changed", _("Role changed")
        PERMISSIONS_CHANGED = "permissions_changed", _("Role permissions changed")
        RECORDS_TRANSFERRED = "records_transferred", _("Records transferred")
        SHARED = "shared", _("Customer shared")
        UNSHARED = "unshared", _("Customer share removed")
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        DELETE = "delete", _("Moved to trash")
        RESTORE = "restore", _("Restored from trash")
        PURGE = "purge", _("Deleted permanently")
        MERGE = "merge", _("Merged")
        BULK_EDIT = "bulk_edit", _("Bulk edit")
        VIEW_UNMASKED = "view_unmasked", _("Viewed full contact details")
        TWO_FACTOR_ENABLED = "2fa_enabled", _("Two-factor sign-in turned on")
        TWO_FACTOR_DISABLED = "2fa_disabled", _("Two-factor sign-in turned off")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("user"),
    )  # fmt: skip
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)  # kept when the user is gone
    action = models.CharField(_("action"), max_length=30, choices=Action.choices, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("client"), max_length=200, blank=True)
    target_type = models.CharField(_("object type"), max_length=50, blank=True)
    target_id = models.CharField(_("object id"), max_length=50, blank=True)
    target_repr = models.CharField(_("object"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "-created_at"], name="audit_actor_time")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")
