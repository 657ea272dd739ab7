"""Back-office for platforms, the roles they offer, accesses, and SSO clients.

Which roles a platform offers is edited on the platform (``roles``), and so are the
kinds of organisation it is open to (``organisation_kinds``, ticked boxes). Accesses
are granted and revoked through ``platforms.services`` (checked against the
offer, journaled), also from the back-office.

The platform action "Enregistrer le client SSO" creates the platform's OpenID
Connect client (redirect URI ``<platform url>/oidc/callback/``) and shows its
secret once, in the confirmation message; redirect URIs are edited afterwards
on the client (allauth's "Clients" admin, where ``owner`` is read-only).
"""

from allauth.idp.oidc.admin import ClientAdmin
from allauth.idp.oidc.models import Client
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.admin import BoundedCountPaginator
from accounts.models import Organisation

from . import services, sso_services
from .models import Access, Platform, Role

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


class PlatformForm(forms.ModelForm):
    """The organisation kinds a platform is open to, as boxes to tick."""

    organisation_kinds = forms.MultipleChoiceField(
        label=_("Types d'organisation autorisés"),
        choices=Organisation.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Les habilitations de cette plateforme ne peuvent être accordées qu'aux "
            "organisations de ces types."
        ),
    )

    class Meta:
        model = Platform
        fields = "__all__"  # noqa: DJ007 - the admin page shows every field


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    form = PlatformForm
    list_display = [
        "name",
        "code",
        "is_centralised",
        "deactivation_popin",
        "position",
        "oidc_client",
        "backchannel_logout_uri",
    ]
    list_filter = ["is_centralised", "roles"]
    search_fields = ["name", "code"]
    filter_horizontal = ["roles"]
    ordering = ["position", "name"]
    readonly_fields = ["oidc_client"]
    actions = ["register_sso_client"]

    @admin.action(
        description=_("Enregistrer le client SSO (le secret s'affiche une fois)"),
        permissions=["change"],
    )
    def register_sso_client(self, request, queryset):
        now = timezone.now()
        for platform in queryset:
            if platform.oidc_client_id:
                self.message_user(
                    request,
                    gettext("%(name)s a déjà un client SSO (%(id)s).")
                    % {"name": platform.name, "id": platform.oidc_client_id},
                    messages.INFO,
                )
                continue
            if not platform.url:
                self.message_user(
                    request,
                    gettext("%(name)s : renseignez d'abord l'adresse de la plateforme.")
                    % {"name": platform.name},
                    messages.ERROR,
                )
                continue
            redirect_uri = platform.url.rstrip("/") + "/oidc/callback/"
            try:
                registration = sso_services.platform_client_register(
                    platform=platform, redirect_uris=[redirect_uri], now=now
                )
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                continue
            self.message_user(
                request,
                gettext(
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


@admin.register(Access)
class AccessAdmin(admin.ModelAdmin):
    list_display = ["membership", "platform", "role", "granted_by", "granted_at"]
    list_select_related = [
        "membership__user",
        "membership__organisation",
        "platform",
        "role",
        "granted_by",
    ]
    list_filter = ["platform", "role"]
    search_fields = ["membership__user__email"]
    search_help_text = _("E-mail du membre (début), SIREN ou SIRET de l'organisation.")
    autocomplete_fields = ["membership", "platform", "role"]
    readonly_fields = ["granted_by", "granted_at"]
    show_full_result_count = False
    paginator = BoundedCountPaginator

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        digits = selectors.search_identifier(term)
        if digits:
            lookup = selectors.organisation_identifier_q(digits, "membership__organisation__")
            return queryset.filter(lookup), False
        return queryset.filter(membership__user__email__startswith=term.lower()), False

    def get_form(self, request, obj=None, **kwargs):
        access_check = services.access_check

        form = super().get_form(request, obj, **kwargs)

        class CheckedForm(form):
            def clean(self):
                cleaned = super().clean()
                platform, role = cleaned.get("platform"), cleaned.get("role")
                membership = cleaned.get("membership")
                if platform and role:
                    access_check(
                        platform=platform,
                        role=role,
                        organisation=membership.organisation if membership else None,
                    )
                return cleaned

        return CheckedForm

    def save_model(self, request, obj, form, change):
        platform_services = services

        now = timezone.now()
        if change:
            platform_services.access_revoke(access=obj, revoked_by=request.user, now=now)
        access = platform_services.access_grant(
            membership=obj.membership,
            platform=obj.platform,
            role=obj.role,
            granted_by=request.user,
            now=now,
        )
        obj.pk, obj.granted_by, obj.granted_at = access.pk, access.granted_by, access.granted_at

    def delete_model(self, request, obj):
        platform_services = services

        platform_services.access_revoke(access=obj, revoked_by=request.user, now=timezone.now())

    def delete_queryset(self, request, queryset):
        platform_services = services

        now = timezone.now()
        for access in queryset.select_related("membership__user", "membership__organisation"):
            platform_services.access_revoke(access=access, revoked_by=request.user, now=now)


from .saml.admin import ServiceProviderAdmin  # noqa: E402, F401 — registers the SAML providers' admin
