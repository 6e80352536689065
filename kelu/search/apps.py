from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "kelu.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from kelu.search import signals  # noqa: F401  (registers the receivers)
