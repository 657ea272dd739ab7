"""Back-office (Django admin) for accounts and organisations.

Other apps extend ``UserAdmin`` by subclassing it and re-registering (lifecycle
adds its state, actions and journal), so its name is part of the app's API.
"""

from django.contrib import admin
from django.contrib.admin.models import LogEntry

from .models import Invitation, JoinRequest, Membership, Organisation, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "last_name",
        "first_name",
        "is_active",
        "is_staff",
        "last_activity_at",
    ]
    search_fields = ["email", "last_name", "first_name"]
    list_filter = ["is_active", "is_staff"]
    show_full_result_count = False
    ordering = ["-date_joined"]
    exclude = ["password"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "siret", "siren", "kind"]
    search_fields = ["legal_name", "siren", "siret"]
    list_filter = ["kind"]
    show_full_result_count = False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "is_administrator", "is_legal_representative"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation", "invited_by"]
    show_full_result_count = False


admin.site.register(Invitation)
admin.site.register(JoinRequest)


# --- security: the admin's own journal, readable and never editable ---


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Every back-office change (Django records it); visible to whoever may view it."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "change_message", "user__email"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "action_time"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _gate_third_party_actions() -> None:
    """Admin actions of installed libraries that declare no permission get "change".

    Django runs an action for anyone who may view the change list unless the
    action names ``allowed_permissions``; allauth's "mark verified" and
    django-celery-beat's "run/enable tasks" write. Project actions must declare
    their own (tests/security/test_staff_permissions.py).
    """
    project_apps = {"accounts", "platforms", "lifecycle", "legal"}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in project_apps:
            continue
        for action in model_admin.actions or []:
            func = getattr(model_admin, action) if isinstance(action, str) else action
            func = getattr(func, "__func__", func)
            if not getattr(func, "allowed_permissions", None):
                func.allowed_permissions = ("change",)


_gate_third_party_actions()
