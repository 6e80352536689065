"""Sign-in backend: Django's ModelBackend, reading the signed-in user as every request needs it.

Each request of a signed-in user reads the user from the session's id, and then needs the user's role (permissions),
whether the user has a confirmed authenticator (kelu.accounts.two_factor) and the configuration token
(kelu.core.configuration). One statement reads all four, where ModelBackend's ``get_user`` left more reads to every
request.
"""

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from kelu.accounts.models import User
from kelu.accounts.two_factor import confirmed_devices
from kelu.core import configuration


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        devices = confirmed_devices().filter(user=OuterRef("pk"))
        users = User._default_manager.select_related("role").annotate(
            has_confirmed_device=Exists(devices), configuration_token=configuration.token()
        )
        try:
            user = users.get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    async def aget_user(self, user_id: Any) -> User | None:
        return await sync_to_async(self.get_user)(user_id)
