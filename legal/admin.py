"""Back-office for the legal app.

- CGU versions: drafts are edited through the services; a published version is
  read-only (no change, no delete); "Publier" needs ``legal.publish_cguversion`` and
  goes through a page of its own (rendered text, effective date, number of accounts
  that will have to accept, confirmation); the publisher's confirmation is his
  acceptance too (``services.cgu_publish_confirmed``);
  each version shows its acceptance count and a CSV export of its acceptances.
- CGU acceptances and cookie consent proofs: read-only (append-only proofs); CSV
  export of one user's or one version's acceptances.
- Site settings: the single record of the editor's legal facts.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import UserPageInline
from accounts.admin_security import ReadOnlyModelAdmin
from accounts.models import User

from . import selectors, services
from .exports import acceptances_csv
from .http import client_ip, user_agent
from .models import CGUAcceptance, CGUVersion, ConsentRecord, SiteSettings
from .rendering import render_markdown


class CGUVersionAdminForm(forms.ModelForm):
    class Meta:
        model = CGUVersion
        fields = ["label", "summary", "text", "effective_at"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_published:
            raise ValidationError(_("Une version publiée des CGU ne peut plus être modifiée."))
        return cleaned


@admin.register(CGUVersion)
class CGUVersionAdmin(admin.ModelAdmin):
    form = CGUVersionAdminForm
    list_display = [
        "label",
        "status",
        "published_at",
        "effective_at",
        "acceptances",
        "links",
    ]
    list_filter = ["status"]
    search_fields = ["label"]
    actions = ["export_acceptances"]
    readonly_fields = ["status", "published_at", "published_by", "text_hash", "preview"]
    change_form_template = "legal/admin/cguversion_change_form.html"

    def get_queryset(self, request):
        return selectors.cgu_versions_with_counts().select_related("published_by")

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [
                "label",
                "summary",
                "text",
                "effective_at",
                "status",
                "published_at",
                "published_by",
                "text_hash",
                "preview",
            ]
        return ["label", "summary", "text", "effective_at", "status", "preview"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return self.get_fields(request, obj)
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # published versions must never be deleted
        return actions

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("legal.publish_cguversion")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.cgu_draft_update(
                version=obj,
                label=data["label"],
                text=data["text"],
                summary=data.get("summary", ""),
                effective_at=data.get("effective_at"),
            )
        else:
            created = services.cgu_draft_create(
                label=data["label"],
                text=data["text"],
                summary=data.get("summary", ""),
                effective_at=data.get("effective_at"),
            )
            obj.pk = created.pk

    @admin.display(description=_("acceptations"), ordering="acceptance_count")
    def acceptances(self, obj):
        return obj.acceptance_count

    @admin.display(description=_("liens"))
    def links(self, obj):
        export = reverse("admin:legal_cguacceptance_export") + f"?version={obj.pk}"
        links = format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("legal:cgu_version", args=[obj.pk]),
            _("Aperçu") if not obj.is_published else _("Voir"),
            export,
            _("Exporter (CSV)"),
        )
        if obj.is_published:
            return links
        return format_html(
            '{} · <a href="{}">{}</a>',
            links,
            reverse("admin:legal_cguversion_publish", args=[obj.pk]),
            _("Publier…"),
        )

    @admin.display(description=_("aperçu"))
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("legal:cgu_version", args=[obj.pk]),
            _("Voir le texte mis en page"),
        )

    # --- Publication: a page of its own (text, effective date, who must accept) -------

    def get_urls(self):
        return [
            path(
                "<int:pk>/publier/",
                self.admin_site.admin_view(self.publish_view),
                name="legal_cguversion_publish",
            ),
            *super().get_urls(),
        ]

    def publish_view(self, request, pk):
        """GET: what publishing will do; POST "confirm": publish (the publisher accepts it)."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        version = get_object_or_404(CGUVersion, pk=pk)
        change_url = reverse("admin:legal_cguversion_change", args=[pk])
        if version.is_published:
            self.message_user(request, _("Cette version est déjà publiée."), messages.WARNING)
            return redirect(change_url)
        now = timezone.now()
        errors = []
        if request.method == "POST" and "confirm" in request.POST:
            try:
                services.cgu_publish_confirmed(
                    version=version,
                    actor=request.user,
                    now=now,
                    ip_address=client_ip(request),
                    user_agent=user_agent(request),
                )
            except ValidationError as error:
                errors = error.messages
            else:
                self.message_user(
                    request, _("« %(label)s » est publiée.") % {"label": version.label}
                )
                return redirect(reverse("admin:legal_cguversion_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Publier « %(label)s »") % {"label": version.label},
            "opts": self.model._meta,
            "original": version,
            "version": version,
            "rendered": render_markdown(version.text),
            "effective_at": version.effective_at,
            "to_accept": selectors.cgu_publication_audience(exclude=request.user),
            "errors": errors,
            "change_url": change_url,
        }
        return TemplateResponse(request, "legal/admin/cgu_publish.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            "may_publish": self.has_publish_permission(request),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Exporter les acceptations (CSV)"), permissions=["view"])
    def export_acceptances(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, _("Sélectionnez une seule version à exporter."), messages.WARNING
            )
            return None
        version = queryset.get()
        return acceptances_csv(
            selectors.cgu_acceptances_for_export(version=version),
            filename=f"acceptations-cgu-version-{version.pk}.csv",
        )


@admin.register(CGUAcceptance)
class CGUAcceptanceAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "version", "accepted_at", "context", "ip_address", "export_user"]
    list_filter = ["version", "context"]
    search_fields = ["user__email", "user__last_name"]
    list_select_related = ["user", "version"]
    show_full_result_count = False
    date_hierarchy = "accepted_at"
    readonly_fields = [
        "user",
        "version",
        "version_hash",
        "accepted_at",
        "ip_address",
        "user_agent",
        "context",
    ]

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="legal_cguacceptance_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """CSV of the acceptances of ``?user=<id>`` or ``?version=<id>`` (exactly one)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        user_id, version_id = request.GET.get("user"), request.GET.get("version")
        if bool(user_id) == bool(version_id) or not (user_id or version_id or "").isdigit():
            raise Http404
        if user_id:
            user = get_object_or_404(User, pk=user_id)
            rows = selectors.cgu_acceptances_for_export(user=user)
            filename = f"acceptations-cgu-utilisateur-{user.pk}.csv"
        else:
            version = get_object_or_404(CGUVersion, pk=version_id)
            rows = selectors.cgu_acceptances_for_export(version=version)
            filename = f"acceptations-cgu-version-{version.pk}.csv"
        return acceptances_csv(rows, filename=filename)

    @admin.display(description=_("export"))
    def export_user(self, obj):
        return format_html(
            '<a href="{}?user={}">{}</a>',
            reverse("admin:legal_cguacceptance_export"),
            obj.user_id,
            _("Toutes ses acceptations (CSV)"),
        )


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            _("Éditeur"),
            {
                "fields": [
                    "editor_name",
                    "editor_legal_form",
                    "editor_address",
                    "editor_registry",
                    "editor_vat_number",
                    "editor_phone",
                    "editor_email",
                    "publication_director",
                ]
            },
        ),
        (
            _("Données personnelles"),
            {"fields": ["dpo_email", "dpo_postal_address", "cnil_address", "cnil_url"]},
        ),
        (_("Refus des CGU"), {"fields": ["account_closure_contact"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyModelAdmin):
    list_display = ["recorded_at", "subject_id", "user", "categories", "notice_version"]
    list_filter = ["notice_version"]
    search_fields = ["subject_id", "user__email"]
    list_select_related = ["user"]
    show_full_result_count = False
    readonly_fields = ["subject_id", "user", "categories", "notice_version", "recorded_at"]


# --- On the end user's page (accounts.admin.UserAdmin, ACCOUNTS_USER_ADMIN_INLINES) --------


def instant(value) -> str:
    """Paris wall clock, "26/11/2026 10:42" (as on the rest of the user's page)."""
    return formats.date_format(timezone.localtime(value), "d/m/Y H:i") if value else "—"


CONSENT_CATEGORY_LABELS = {"necessary": _("nécessaires"), "audience": _("mesure d'audience")}


class CGUAcceptanceInline(UserPageInline):
    model = CGUAcceptance
    fk_name = "user"
    fields = ["version", "when", "context", "ip_address"]
    ordering = ["-accepted_at"]
    verbose_name = _("acceptation des CGU")
    verbose_name_plural = _("Acceptations des CGU")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version")

    @admin.display(description=_("acceptée le (heure de Paris)"))
    def when(self, obj):
        return instant(obj.accepted_at)


class ConsentInline(UserPageInline):
    model = ConsentRecord
    fk_name = "user"
    fields = ["when", "choices", "notice_version"]
    ordering = ["-recorded_at"]
    verbose_name = _("choix de cookies")
    verbose_name_plural = _("Consentements aux cookies")

    @admin.display(description=_("enregistré le (heure de Paris)"))
    def when(self, obj):
        return instant(obj.recorded_at)

    @admin.display(description=_("choix"))
    def choices(self, obj):
        return ", ".join(
            f"{CONSENT_CATEGORY_LABELS.get(key, key)} : {_('oui') if value else _('non')}"
            for key, value in (obj.categories or {}).items()
        )
