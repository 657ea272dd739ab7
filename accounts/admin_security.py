"""Back-office hardening, installed from ``AccountsConfig.ready`` (after every admin module).

- ``ReadOnlyModelAdmin``: the base of every append-only record's admin (the admin log,
  proofs of acceptance and consent, tombstones).
- The admin's own journal (``LogEntry``: every change made through the admin) is
  listed read-only, for whoever holds ``admin.view_logentry``; nobody, superusers
  included, can add, change or delete an entry there.
- Admin actions of installed libraries that declare no permission get "change":
  Django runs an action for anyone who may view the change list unless the
  action names ``allowed_permissions``; allauth's "mark verified" and
  django-celery-beat's "run/enable tasks" write. Project actions must declare
  their own (tests/security/test_staff_permissions.py).

Kept out of ``accounts/admin.py``, which is the back-office of accounts and
organisations; this module is about the admin site as a whole.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A record nobody, superusers included, may add, change or delete in the back-office."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LogEntryAdmin(ReadOnlyModelAdmin):
    """Every back-office change (Django records it); read-only."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "change_message", "user__email"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "action_time"
    show_full_result_count = False


def is_project_app(app_label: str) -> bool:
    """True for the apps of this repository (their actions must declare permissions)."""
    path = Path(apps.get_app_config(app_label).path).resolve()
    base = Path(settings.BASE_DIR).resolve()
    return base in path.parents and ".venv" not in path.parts and "site-packages" not in path.parts


def gate_library_actions(site: admin.AdminSite) -> None:
    for model, model_admin in site._registry.items():
        if is_project_app(model._meta.app_label):
            continue
        for action in model_admin.actions or []:
            func = getattr(model_admin, action) if isinstance(action, str) else action
            func = getattr(func, "__func__", func)
            if not getattr(func, "allowed_permissions", None):
                func.allowed_permissions = ("change",)


def install(site: admin.AdminSite = admin.site) -> None:
    """Register the journal and gate library actions; idempotent."""
    if not site.is_registered(LogEntry):
        site.register(LogEntry, LogEntryAdmin)
    gate_library_actions(site)
