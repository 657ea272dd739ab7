"""Back-office for platforms: their legal facts and their single sign-on client.

The action "Enregistrer le client SSO" creates the platform's OpenID Connect
client (redirect URI ``<platform url>oidc/callback/``) and shows its secret
once, in the confirmation message; redirect URIs are edited afterwards on the
client (allauth's "Clients" admin).
"""

from allauth.idp.oidc.admin import ClientAdmin
from allauth.idp.oidc.models import Client
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import sso_services as services
from .models import Platform, Role

admin.site.unregister(Client)


@admin.register(Client)
class PlatformClientAdmin(ClientAdmin):
    """allauth's client admin with ``owner`` read-only.

    allauth deletes a client together with its owner user: a platform's client
    must never get one (an account deletion would unplug the platform).
    """

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "owner")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_centralised", "oidc_client", "backchannel_logout_uri"]
    list_filter = ["is_centralised"]
    search_fields = ["name", "code"]
    filter_horizontal = ["roles"]
    readonly_fields = ["oidc_client"]
    actions = ["register_sso_client"]

    @admin.action(
        description=gettext_lazy("Enregistrer le client SSO (le secret s'affiche une fois)"),
        permissions=["change"],
    )
    def register_sso_client(self, request, queryset):
        now = timezone.now()
        for platform in queryset:
            if platform.oidc_client_id:
                self.message_user(
                    request,
                    _("%(name)s a déjà un client SSO (%(id)s).")
                    % {"name": platform.name, "id": platform.oidc_client_id},
                    messages.INFO,
                )
                continue
            if not platform.url:
                self.message_user(
                    request,
                    _("%(name)s : renseignez d'abord l'adresse de la plateforme.")
                    % {"name": platform.name},
                    messages.ERROR,
                )
                continue
            redirect_uri = platform.url.rstrip("/") + "/oidc/callback/"
            try:
                registration = services.platform_client_register(
                    platform=platform, redirect_uris=[redirect_uri], now=now
                )
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                continue
            self.message_user(
                request,
                _(
                    "%(name)s : client_id %(id)s, secret %(secret)s — copiez-le maintenant, "
                    "il ne sera plus affiché. Adresse de retour : %(uri)s"
                )
                % {
                    "name": platform.name,
                    "id": registration.client.id,
                    "secret": registration.secret,
                    "uri": redirect_uri,
                },
                messages.WARNING,
            )
