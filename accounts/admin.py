"""Back-office (Django admin) for accounts and organisations.

Other apps extend ``UserAdmin`` by subclassing it and re-registering (lifecycle
adds its state, actions and journal), so its name is part of the app's API.
"""

from django.contrib import admin

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
