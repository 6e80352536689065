from typing import Any

from django.apps import AppConfig
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def register_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        from kelu.search.engines import sqlite_tokens_match

        connection.connection.create_function("kelu_search_match", 2, sqlite_tokens_match, deterministic=True)


class SearchConfig(AppConfig):
    name = "kelu.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from kelu.search import signals  # noqa: F401  (registers the receivers)

        connection_created.connect(register_functions, dispatch_uid="kelu.search.register_functions")
