"""What the import of existing accounts keeps: which accounts came from it, and the jobs.

Invariants: one ``ImportedAccount`` per imported user (deleted with him); a
``ImportJob`` row is the back-office's view of one run (its report is a list of
French messages, no personal data beyond the email or SIRET of a faulty row,
and it goes when the job is deleted).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedAccount(models.Model):
    """A user brought over from the previous system, and his first-connection email."""

    ERASURE = "cascade"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="imported",
        verbose_name=_("utilisateur"),
    )
    imported_at = models.DateTimeField(_("importé le"))
    first_connection_sent_at = models.DateTimeField(
        _("e-mail de première connexion envoyé le"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("compte repris")
        verbose_name_plural = _("comptes repris")
        indexes = [
            models.Index(
                fields=["user"],
                condition=models.Q(first_connection_sent_at__isnull=True),
                name="imports_first_conn_todo_idx",
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class ImportJob(models.Model):
    """One import launched from the back-office (inline or as a Celery task)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        REJECTED = "rejected", _("Refusé (erreurs)")
        FAILED = "failed", _("Échec")

    ERASURE = "set_null"  # created_by: the OPCO agent who launched it

    created_at = models.DateTimeField(_("lancé le"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lancé par"),
    )
    file_names = models.JSONField(_("fichiers"), default=list)
    paths = models.JSONField(default=list, editable=False)
    valid_only = models.BooleanField(_("lignes valides seulement"), default=False)
    dry_run = models.BooleanField(_("simulation"), default=False)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    counts = models.JSONField(_("bilan"), default=dict)
    errors = models.JSONField(_("erreurs"), default=list)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import de comptes")
        verbose_name_plural = _("imports de comptes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} — {', '.join(self.file_names)}"
