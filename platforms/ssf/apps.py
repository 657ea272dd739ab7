from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsfConfig(AppConfig):
    name = "platforms.ssf"
    label = "ssf"
    verbose_name = _("Signaux partagés (SSF)")
