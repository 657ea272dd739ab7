"""The legal app: CGU versions and acceptances, the re-acceptance gate, legal pages, cookies."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    name = "legal"
    verbose_name = _("CGU, mentions légales et cookies")

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the sign-up receiver
