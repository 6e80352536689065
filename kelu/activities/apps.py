from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "kelu.activities"
    label = "activities"
    verbose_name = _("Interactions")

    def ready(self) -> None:
        from kelu.activities import signals  # noqa: F401  (connects the receivers)
