from django.contrib import admin

from .models import MaintenanceWindow


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "message", "created_by"]
    fields = ["starts_at", "ends_at", "banner_hours", "message"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        # The schedule's process cache is cleared by maintenance.signals.
