"""Back-office pages of the privacy app (OPCO agents).

- Closure requests: the queue, with each request's age; older than
  PRIVACY_CLOSURE_HIGHLIGHT_DAYS highlighted; action "process" deactivates.
- DPO requests: entered by agents (email, post) or from the form; overdue
  filter; actions extend (with a reason) and answer.
- Blocklist of sign-ups.
- Lost credentials: queue; action "issue new access" (optional new email).
- Proofs of authority: request one, accept or reject with a reason; documents
  downloadable through the permission-checked view.
- Account suspensions: a proxy of the user, actions suspend (with a reason) and
  lift, and report lost credentials on the user's behalf.

Actions are thin: an intermediate form when they need input, one service call
per object, a message with the outcome. Each action requires the model's
change permission.
"""

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import UserPageInline
from lifecycle import services as lifecycle_services
from lifecycle.calendar import paris_date
from lifecycle.labels import instant

from . import app_settings, blocklist, services
from .forms import (
    AnswerForm,
    DpoRequestAdminForm,
    IssueAccessForm,
    ProofRequestAdminForm,
    ReasonForm,
    SuspendForm,
)
from .models import (
    AccountSuspension,
    BlocklistEntry,
    ClosureRequest,
    DpoRequest,
    LostCredentialsReport,
    ProofDocument,
    ProofRequest,
)


def _with_form(modeladmin, request, queryset, *, form_class, title, apply):
    """Render ``form_class`` for the selection; on a valid POST call ``apply`` per object."""
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            done, errors = 0, []
            now = timezone.now()
            for obj in queryset:
                try:
                    apply(obj, form.cleaned_data, request.user, now)
                    done += 1
                except ValidationError as error:
                    errors.append(f"{obj} : {' '.join(error.messages)}")
            if done:
                modeladmin.message_user(
                    request,
                    ngettext("%(n)d élément traité.", "%(n)d éléments traités.", done)
                    % {"n": done},
                    messages.SUCCESS,
                )
            for error in errors:
                modeladmin.message_user(request, error, messages.ERROR)
            return None
    else:
        form = form_class()
    return TemplateResponse(
        request,
        "admin/privacy/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


def _each(modeladmin, request, queryset, apply):
    now = timezone.now()
    done = 0
    for obj in queryset:
        try:
            apply(obj, request.user, now)
            done += 1
        except ValidationError as error:
            modeladmin.message_user(request, f"{obj} : {' '.join(error.messages)}", messages.ERROR)
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(n)d élément traité.", "%(n)d éléments traités.", done) % {"n": done},
            messages.SUCCESS,
        )


class OverdueFilter(admin.SimpleListFilter):
    title = _("échéance")
    parameter_name = "echeance"

    def lookups(self, request, model_admin):
        return [("overdue", _("En retard")), ("soon", _("Dans les 7 jours"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(status="open", due_at__lte=now)
        if self.value() == "soon":
            return queryset.filter(
                status="open", due_at__gt=now, due_at__lte=now + dt.timedelta(days=7)
            )
        return queryset


@admin.register(ClosureRequest)
class ClosureRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "age", "status", "reason"]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__last_name"]
    readonly_fields = ["user", "reason", "status", "created_at", "closed_at", "processed_by"]
    ordering = ["created_at"]
    show_full_result_count = False
    actions = ["process"]

    class Media:
        css = {"all": ["css/privacy-admin.css"]}

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("âge"))
    def age(self, obj):
        days = (paris_date(timezone.now()) - paris_date(obj.created_at)).days
        label = ngettext("%(n)d jour", "%(n)d jours", days) % {"n": days}
        if (
            obj.status == ClosureRequest.Status.PENDING
            and days >= app_settings.closure_highlight_days()
        ):
            return format_html(
                '<strong class="privacy-late">{} — {}</strong>', label, _("en retard")
            )
        return label

    @admin.action(
        description=_("Traiter : désactiver le compte (suppression à 15 jours)"),
        permissions=["change"],
    )
    def process(self, request, queryset):
        _each(
            self,
            request,
            queryset.filter(status=ClosureRequest.Status.PENDING).select_related("user"),
            lambda obj, actor, now: services.closure_request_process(
                request=obj, actor=actor, now=now
            ),
        )


@admin.register(DpoRequest)
class DpoRequestAdmin(admin.ModelAdmin):
    form = DpoRequestAdminForm
    list_display = ["kind", "requester", "channel", "received_at", "due", "status"]
    list_filter = [OverdueFilter, "status", "kind", "channel"]
    list_select_related = ["user"]
    search_fields = ["requester_email", "requester_name", "user__email"]
    autocomplete_fields = ["user"]
    ordering = ["due_at"]
    show_full_result_count = False
    actions = ["extend", "answer"]

    class Media:
        css = {"all": ["css/privacy-admin.css"]}

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in DpoRequest._meta.fields if f.name != "id"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(DpoRequestAdminForm.Meta.fields)
        return [f.name for f in DpoRequest._meta.fields if f.name != "id"]

    @admin.display(description=_("demandeur"))
    def requester(self, obj):
        return obj.requester_label

    @admin.display(description=_("échéance"), ordering="due_at")
    def due(self, obj):
        text = instant(obj.due_at)
        if obj.status == DpoRequest.Status.OPEN and obj.due_at <= timezone.now():
            return format_html(
                '<strong class="privacy-late">{} — {}</strong>', text, _("en retard")
            )
        return text

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        created = services.dpo_request_create(
            kind=data["kind"],
            channel=data["channel"],
            user=data.get("user"),
            requester_name=data.get("requester_name", ""),
            requester_email=data.get("requester_email", ""),
            requester_address=data.get("requester_address", ""),
            message=data["message"],
            received_at=data.get("received_at") or timezone.now(),
            created_by=request.user,
            now=timezone.now(),
        )
        obj.pk = created.pk

    @admin.action(description=_("Prolonger de deux mois (motif requis)"), permissions=["change"])
    def extend(self, request, queryset):
        return _with_form(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title=_("Prolonger le délai de réponse de deux mois"),
            apply=lambda obj, data, actor, now: services.dpo_request_extend(
                request=obj, actor=actor, now=now, reason=data["reason"]
            ),
        )

    @admin.action(description=_("Enregistrer la réponse"), permissions=["change"])
    def answer(self, request, queryset):
        return _with_form(
            self,
            request,
            queryset,
            form_class=AnswerForm,
            title=_("Réponse à la demande"),
            apply=lambda obj, data, actor, now: services.dpo_request_answer(
                request=obj, actor=actor, now=now, answer=data["answer"]
            ),
        )


@admin.register(BlocklistEntry)
class BlocklistEntryAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "reason", "created_at", "created_by"]
    list_filter = ["kind"]
    search_fields = ["value"]
    fields = ["kind", "value", "reason"]

    def save_model(self, request, obj, form, change):
        obj.value = blocklist.normalise(obj.kind, obj.value)
        if not change:
            obj.created_by = request.user
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(LostCredentialsReport)
class LostCredentialsReportAdmin(admin.ModelAdmin):
    list_display = ["user", "reported_at", "status", "origin", "issued_at", "issued_by"]
    list_filter = ["status", "origin"]
    list_select_related = ["user", "issued_by"]
    search_fields = ["user__email"]
    readonly_fields = [f.name for f in LostCredentialsReport._meta.fields if f.name != "id"]
    ordering = ["reported_at"]
    show_full_result_count = False
    actions = ["suspend_reported", "issue_access"]

    def has_add_permission(self, request):
        return False

    @admin.action(
        description=_("Suspendre le compte signalé (signalement vérifié)"),
        permissions=["change"],
    )
    def suspend_reported(self, request, queryset):
        """Anonymous reports on staff accounts wait here: an agent checks, then suspends."""
        _each(
            self,
            request,
            queryset.filter(status=LostCredentialsReport.Status.TO_REVIEW),
            lambda obj, actor, now: services.lost_credentials_report(
                user=obj.user, reported_by=actor, now=now
            ),
        )

    @admin.action(
        description=_("Délivrer un nouvel accès (lien de réinitialisation)"),
        permissions=["change"],
    )
    def issue_access(self, request, queryset):
        def apply(obj, data, actor, now):
            if data.get("new_email") and queryset.count() > 1:
                raise ValidationError(
                    _("Une nouvelle adresse ne s'applique qu'à un seul signalement.")
                )
            services.lost_credentials_issue_access(
                report=obj, actor=actor, now=now, new_email=data.get("new_email", "")
            )

        return _with_form(
            self,
            request,
            queryset.exclude(status=LostCredentialsReport.Status.RESOLVED),
            form_class=IssueAccessForm,
            title=_("Délivrer un nouvel accès"),
            apply=apply,
        )


class ProofDocumentInline(admin.TabularInline):
    model = ProofDocument
    extra = 0
    can_delete = False
    fields = ["download", "content_type", "size", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("fichier"))
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("privacy:proof_document", args=[obj.pk]),
            obj.original_name,
        )


@admin.register(ProofRequest)
class ProofRequestAdmin(admin.ModelAdmin):
    form = ProofRequestAdminForm
    list_display = ["user", "organisation", "requested_at", "due_at", "status"]
    list_filter = ["status"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "organisation__siret", "organisation__legal_name"]
    autocomplete_fields = ["user", "organisation"]
    inlines = [ProofDocumentInline]
    ordering = ["due_at"]
    show_full_result_count = False
    actions = ["accept", "reject"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "organisation", "days", "message"]
        return [
            "user",
            "organisation",
            "message",
            "status",
            "requested_at",
            "requested_by",
            "due_at",
            "reminders_sent",
            "decided_at",
            "decided_by",
            "decision_reason",
            "suspended_at",
            "suspended_accesses",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        created = services.proof_request_create(
            user=data["user"],
            organisation=data["organisation"],
            actor=request.user,
            now=timezone.now(),
            days=data.get("days"),
            message=data.get("message", ""),
        )
        obj.pk = created.pk

    @admin.action(description=_("Accepter le justificatif"), permissions=["change"])
    def accept(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda obj, actor, now: services.proof_request_accept(
                request=obj, actor=actor, now=now
            ),
        )

    @admin.action(description=_("Refuser le justificatif (motif requis)"), permissions=["change"])
    def reject(self, request, queryset):
        return _with_form(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title=_("Refuser le justificatif"),
            apply=lambda obj, data, actor, now: services.proof_request_reject(
                request=obj, actor=actor, now=now, reason=data["reason"]
            ),
        )


@admin.register(AccountSuspension)
class AccountSuspensionAdmin(admin.ModelAdmin):
    """Suspend or lift accounts (a page of its own; accounts' UserAdmin is untouched)."""

    list_display = [
        "email",
        "last_name",
        "first_name",
        "state",
        "suspension_reason",
        "organisations",
    ]
    list_filter = ["state", "suspension_reason"]
    search_fields = ["email", "last_name", "first_name"]
    show_full_result_count = False
    fields = ["email", "first_name", "last_name", "state", "suspension_reason", "state_changed_at"]
    readonly_fields = fields
    actions = ["suspend", "lift", "report_lost_credentials"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(is_staff=False)
            .prefetch_related("memberships__organisation")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("organisations"))
    def organisations(self, obj):
        return format_html_join(
            ", ", "{}", ((m.organisation.legal_name,) for m in obj.memberships.all())
        )

    @admin.action(description=_("Suspendre les comptes (motif requis)"), permissions=["change"])
    def suspend(self, request, queryset):
        return _with_form(
            self,
            request,
            queryset,
            form_class=SuspendForm,
            title=_("Suspendre des comptes"),
            apply=lambda obj, data, actor, now: lifecycle_services.account_suspend(
                user=obj, actor=actor, now=now, reason=data["reason"], note=data["note"]
            ),
        )

    @admin.action(description=_("Lever la suspension"), permissions=["change"])
    def lift(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda obj, actor, now: lifecycle_services.account_suspension_lift(
                user=obj, actor=actor, now=now
            ),
        )

    @admin.action(
        description=_("Signaler des identifiants perdus ou volés"), permissions=["change"]
    )
    def report_lost_credentials(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda obj, actor, now: services.lost_credentials_report(
                user=obj, reported_by=actor, now=now
            ),
        )


class ProofRequestUserInline(UserPageInline):
    """The user's proofs of authority, on his back-office page (ACCOUNTS_USER_ADMIN_INLINES)."""

    model = ProofRequest
    fk_name = "user"
    fields = ["organisation", "status", "requested", "due", "decision_reason"]
    ordering = ["-requested_at"]
    show_change_link = True
    verbose_name = _("justificatif de pouvoir")
    verbose_name_plural = _("Justificatifs de pouvoir")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")

    @admin.display(description=_("demandé le"))
    def requested(self, obj):
        return instant(obj.requested_at)

    @admin.display(description=_("échéance"))
    def due(self, obj):
        return instant(obj.due_at)
