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
