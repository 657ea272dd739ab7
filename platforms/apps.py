from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "platforms"
    verbose_name = _("Plateformes et habilitations")

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the sign-out edge
