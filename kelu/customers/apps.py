from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kelu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from kelu.customers import configuration  # noqa: F401  (registers the receivers)
