from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kelu.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from kelu.accounts import (
            configuration,  # noqa: F401  (roles kept per process: a change draws a new configuration token)
            schema,  # noqa: F401  (registers the OpenAPI description of bearer tokens)
            signals,  # noqa: F401  (audit entries for logins and logouts)
        )
