from django.contrib import admin

from . import selectors
from .models import MaintenanceWindow


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "message", "created_by"]
    fields = ["starts_at", "ends_at", "banner_hours", "message"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        selectors.windows_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        selectors.windows_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        selectors.windows_changed()
