from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "platforms"
    verbose_name = _("Plateformes et habilitations")

    def ready(self) -> None:
        from allauth.idp.oidc import views as oidc_views

        from . import signals  # noqa: F401 — connects the sign-out edge
        from .oidc import server

        # allauth offers no setting for its oauthlib validator: every provider
        # view builds its server through this one name (platforms.oidc.server).
        oidc_views.get_server = server.get_server
