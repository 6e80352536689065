from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kelu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from kelu.core.database import configure_session

        connection_created.connect(configure_session, dispatch_uid="kelu.core.configure_session")
