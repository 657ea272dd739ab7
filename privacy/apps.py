"""The privacy app: GDPR rights (my data, export, closure and DPO requests) and
access protection (sign-up blocklist, suspension, lost credentials, proof of
authority, end of authority).

It sits above ``accounts``, ``platforms`` and ``lifecycle`` and may import them;
nothing below imports it (``accounts`` reaches it through setting-named hooks).
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Données personnelles et protection des accès")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (edges: allauth password reset, file cleanup)
