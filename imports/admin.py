"""Back-office import: upload, preview (the same engine in a dry run), confirm.

Files up to ``IMPORTS_ADMIN_MAX_ROWS`` rows (all files together) are previewed
inline: the page lists the counts and every rejected row with the messages of
``manage.py import_accounts``; "Confirmer l'import" then runs it. Larger uploads
become a job for a Celery worker; the job list shows its progress and, at the
end, the same report.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import app_settings, services, services_jobs, tasks
from .forms import UploadForm
from .models import ImportedAccount, ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "files", "status", "progress_shown", "summary", "created_by"]
    list_select_related = ["created_by"]
    readonly_fields = [
        "created_at",
        "created_by",
        "file_names",
        "valid_only",
        "status",
        "progress_shown",
        "summary",
        "report",
        "finished_at",
    ]
    fields = readonly_fields
    show_full_result_count = False
    change_list_template = "admin/imports/importjob/change_list.html"

    @admin.display(description=gettext_lazy("fichiers"))
    def files(self, job):
        return ", ".join(job.file_names)

    @admin.display(description=gettext_lazy("avancement"))
    def progress_shown(self, job):
        return f"{services_jobs.job_progress(job)} %"

    @admin.display(description=gettext_lazy("bilan"))
    def summary(self, job):
        report = services.ImportReport(counts=job.counts)
        return "; ".join(report.summary_lines()[:-1]) or "—"

    @admin.display(description=gettext_lazy("erreurs"))
    def report(self, job):
        if not job.errors:
            return "—"
        return format_html("<br>".join(["{}"] * len(job.errors)), *job.errors)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "televerser/",
                self.admin_site.admin_view(self.upload_view),
                name="imports_importjob_upload",
            ),
            path(
                "<int:pk>/confirmer/",
                self.admin_site.admin_view(self.confirm_view),
                name="imports_importjob_confirm",
            ),
            *super().get_urls(),
        ]

    def _check(self, request):
        if not request.user.has_perm("imports.add_importjob"):
            raise PermissionDenied

    def upload_view(self, request):
        self._check(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Importer des comptes"),
        }
        if request.method != "POST" or not form.is_valid():
            return TemplateResponse(request, "admin/imports/importjob/upload.html", context)
        now = timezone.now()
        uploads = form.cleaned_data["files"]
        paths = services_jobs.upload_store(files=uploads, now=now)
        job = services_jobs.import_job_create(
            paths=paths,
            names=[p.name for p in paths],
            actor=request.user,
            valid_only=form.cleaned_data["valid_only"],
            now=now,
        )
        rows = sum(services_jobs.row_count(p) for p in paths)
        if rows > app_settings.admin_max_rows():
            tasks.import_job_launch(job=job)
            messages.info(
                request,
                _("%(rows)s lignes : l'import tourne en tâche de fond, suivez-le ici.")
                % {"rows": rows},
            )
            return redirect(reverse("admin:imports_importjob_changelist"))
        report = services.accounts_import(paths=paths, now=now, dry_run=True)
        context.update(
            {
                "title": _("Aperçu de l'import"),
                "job": job,
                "rows": rows,
                "summary": report.summary_lines()[:-1],
                "errors": [services.format_error(e) for e in report.errors],
                "error_count": report.error_count,
                "can_confirm": report.error_count == 0 or job.valid_only,
            }
        )
        return TemplateResponse(request, "admin/imports/importjob/preview.html", context)

    def confirm_view(self, request, pk):
        self._check(request)
        job = get_object_or_404(ImportJob, pk=pk, status=ImportJob.Status.PENDING)
        if request.method != "POST":
            return redirect(reverse("admin:imports_importjob_changelist"))
        status = services_jobs.import_job_run(job_id=job.pk, clock=timezone.now)
        level = messages.SUCCESS if status == ImportJob.Status.DONE else messages.ERROR
        messages.add_message(
            request,
            level,
            _("Import terminé : %(status)s.") % {"status": ImportJob.Status(status).label},
        )
        return redirect(reverse("admin:imports_importjob_change", args=[job.pk]))


@admin.register(ImportedAccount)
class ImportedAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "imported_at", "first_connection_sent_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "imported_at", "first_connection_sent_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
