from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = _("Maintenance programmée")

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the schedule's cache clearing
