"""Back-office of the lifecycle: user state, actions with confirmation, journal, dashboards.

``LifecycleUserAdmin`` extends ``accounts.admin.UserAdmin`` (re-registered):
state, reason and next step columns and filters; "Désactiver" and "Réactiver"
(single and bulk) through a confirmation page; the journal on the user page.
The lifecycle state is read-only here: it changes only through the services.
Permissions: viewing needs ``accounts.view_user``; acting needs
``accounts.change_user`` (checked on every action and view).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.admin import UserAdmin, UserPageInline
from accounts.admin_security import ReadOnlyModelAdmin
from accounts.models import AccountState, DeactivationReason, User
from platforms.selectors import DEACTIVATION_POPIN_FLAG, deactivation_popin_exists

from . import app_settings, labels, selectors, services
from .models import JournalEntry, Notice, Tombstone
from .notices import notice_resend

AGENT_REASONS = [
    (DeactivationReason.OPCO, DeactivationReason.OPCO.label),
    (DeactivationReason.CLOSURE_REQUEST, DeactivationReason.CLOSURE_REQUEST.label),
    (DeactivationReason.END_OF_AUTHORITY, DeactivationReason.END_OF_AUTHORITY.label),
]
# Permissions: viewing needs accounts.view_user; acting needs accounts.change_user;
# nobody deletes an account here (see has_delete_permission).


class DeactivateForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif"), choices=AGENT_REASONS, initial=DeactivationReason.OPCO
    )


class JournalInline(UserPageInline):
    model = JournalEntry
    fk_name = "user"
    fields = ["when", "what", "why", "actor_kind", "actor", "details"]
    ordering = ["-at", "-pk"]
    verbose_name_plural = _("Journal du compte")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    # French labels and Paris time for every column (lifecycle.labels).

    @admin.display(description=_("date (heure de Paris)"))
    def when(self, obj):
        return labels.instant(obj.at)

    @admin.display(description=_("action"))
    def what(self, obj):
        return labels.action_label(obj.action)

    @admin.display(description=_("motif"))
    def why(self, obj):
        return labels.reason_label(obj.reason) or "—"

    @admin.display(description=_("détails"))
    def details(self, obj):
        items = labels.data_items(obj.data)
        if not items:
            return "—"
        return format_html_join(
            "", "<div>{}</div>", ((f"{k} : {v}" if k else v,) for k, v in items)
        )


class LifecycleUserAdmin(UserAdmin):
    # What an agent needs, in seven columns that fit 1280 px beside the filters: who,
    # state, why, what comes next, last activity. `is_active` repeats the state, staff
    # accounts have their own page, and the sign-up date is on the user's page.
    list_display = [
        "email",
        "last_name",
        "first_name",
        "state",
        "lifecycle_reason",
        "lifecycle_next_step",
        "last_activity_at",
    ]
    list_filter = [*UserAdmin.list_filter, "state", "deactivation_reason", "suspension_reason"]
    lifecycle_fields = [
        "state",
        "lifecycle_reason",
        "lifecycle_next_step",
        "state_changed_at",
        "reactivated_at",
        "notice_sent_at",
        "notice_failed_at",
    ]
    readonly_fields = [*UserAdmin.readonly_fields, *lifecycle_fields]
    fieldsets = [
        UserAdmin.fieldsets[0],
        (_("État et cycle de vie"), {"fields": lifecycle_fields}),
        *UserAdmin.fieldsets[1:],
    ]
    # The journal right under the state; organisations (accounts) follow.
    inlines = [JournalInline, *UserAdmin.inlines]
    actions = ["deactivate_accounts", "reactivate_accounts"]
    change_form_template = "lifecycle/admin/user_change_form.html"
    change_list_template = "lifecycle/admin/user_change_list.html"

    def has_delete_permission(self, request, obj=None):
        # Deletion follows the lifecycle (notice, 15 days, tombstone, every table
        # erased), never the admin's delete button.
        return False

    @admin.display(description=_("motif"))
    def lifecycle_reason(self, obj):
        if obj.state == AccountState.DEACTIVATED:
            return obj.get_deactivation_reason_display()
        if obj.state == AccountState.SUSPENDED:
            return obj.get_suspension_reason_display()
        return ""

    @admin.display(description=_("prochaine étape"))
    def lifecycle_next_step(self, obj):
        step = selectors.next_step(user=obj)
        if step is None:
            return "—"
        if step.due_at is None:
            return f"{step.label} ({step.note})"
        return format_html("{} : {}", step.label, labels.instant(step.due_at))

    # --- actions -------------------------------------------------------------

    @admin.action(description=_("Désactiver les comptes sélectionnés"), permissions=["change"])
    def deactivate_accounts(self, request, queryset):
        return self._confirm(request, queryset, "deactivate")

    @admin.action(description=_("Réactiver les comptes sélectionnés"), permissions=["change"])
    def reactivate_accounts(self, request, queryset):
        return self._confirm(request, queryset, "reactivate")

    def _confirm(self, request, queryset, operation):
        """Confirmation page (GET-like first pass), then the services on "confirm"."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        # The pop-in flag is annotated so the confirmation page costs no query per account.
        users = list(
            queryset.annotate(**{DEACTIVATION_POPIN_FLAG: deactivation_popin_exists()}).order_by(
                "email"
            )
        )
        form = DeactivateForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and (operation == "reactivate" or form.is_valid()):
            now = timezone.now()
            done, refused = 0, []
            for user in users:
                try:
                    if operation == "deactivate":
                        services.account_deactivate(
                            user=user,
                            actor=request.user,
                            now=now,
                            reason=form.cleaned_data["reason"],
                        )
                    else:
                        services.account_reactivate(user=user, actor=request.user, now=now)
                    done += 1
                except services.TransitionNotAllowed as exc:
                    refused.append(f"{user.email} : {exc.message}")
            if done:
                text = (
                    _("%(count)d compte(s) désactivé(s).")
                    if operation == "deactivate"
                    else _("%(count)d compte(s) réactivé(s).")
                )
                self.message_user(request, text % {"count": done}, messages.SUCCESS)
            for line in refused:
                self.message_user(request, line, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Désactiver des comptes")
            if operation == "deactivate"
            else _("Réactiver des comptes"),
            "operation": operation,
            "users": users,
            "form": form,
            "action": request.POST.get("action"),
            "selected": [str(u.pk) for u in users],
            "opts": self.model._meta,
            "deletion_date": selectors.deletion_date_if_deactivated(now=timezone.now()),
            "days": app_settings.notice_days(),
            "popin_users": [u for u in users if selectors.needs_popin(user=u)],
        }
        return TemplateResponse(request, "lifecycle/admin/confirm.html", context)

    # --- single-account pages and dashboards ---------------------------------------

    def get_urls(self):
        urls = [
            path(
                "lifecycle/",
                self.admin_site.admin_view(self.dashboard_view),
                name="lifecycle_dashboard",
            ),
            path(
                "<int:pk>/lifecycle/<str:operation>/",
                self.admin_site.admin_view(self.single_view),
                name="lifecycle_user_operation",
            ),
        ]
        return urls + super().get_urls()

    def single_view(self, request, pk, operation):
        if operation not in ("deactivate", "reactivate", "resend"):
            raise PermissionDenied
        if not self.has_change_permission(request):
            raise PermissionDenied
        user = get_object_or_404(User, pk=pk)
        change_url = reverse("admin:accounts_user_change", args=[pk])
        if operation == "resend":
            if request.method == "POST":
                notice = notice_resend(user=user, actor=request.user, now=timezone.now())
                if notice is None:
                    self.message_user(request, _("Aucun avis à renvoyer."), messages.WARNING)
                else:
                    self.message_user(request, _("L'avis est renvoyé."), messages.SUCCESS)
            return redirect(change_url)
        if request.method == "POST" and "confirm" in request.POST:
            response = self._confirm(request, User.objects.filter(pk=pk), operation)
            return response or redirect(change_url)
        return self._confirm(request, User.objects.filter(pk=pk), operation)

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cycle de vie des comptes"),
            "opts": self.model._meta,
            "schedule": selectors.due_schedule(now=now, days=7),
            "review": selectors.review_queue(),
            "staff_inactive": selectors.staff_inactive(now=now),
            "preview": selectors.sweep_preview(now=now),
            "background": selectors.background_health(now=now),
        }
        return TemplateResponse(request, "lifecycle/admin/dashboard.html", context)


admin.site.unregister(User)
admin.site.register(User, LifecycleUserAdmin)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "status", "created_at", "accepted_at", "failed_at", "attempts"]
    list_filter = ["kind", "status"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    show_full_result_count = False
    readonly_fields = [f.name for f in Notice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "reason", "deactivated_at", "notice_sent_at", "deleted_at"]
    list_filter = ["reason"]
    show_full_result_count = False
