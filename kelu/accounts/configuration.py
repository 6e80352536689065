"""The roles as every request reads them: kept per process while the installation's configuration is unchanged
(kelu.core.configuration). Admins tune a role's flags a few times a year; every request needs the user's role.

The Role instances are shared between requests, read-only.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kelu.accounts.models import Role
from kelu.core.configuration import changed, kept_under


def roles_by_key(token: int | None) -> dict[str, Role]:
    """Every role by its key, as read under ``token`` (read with the signed-in user, kelu.accounts.backends)."""
    return kept_under(token, "roles", lambda: {role.key: role for role in Role.objects.all()})


@receiver(post_save, sender=Role)
@receiver(post_delete, sender=Role)
def _roles_changed(sender: Any, **kwargs: Any) -> None:
    changed()
