"""Planned maintenance windows (CGU art. 3 and 5.4: OPCO may interrupt access).

Invariant held by the database: a window ends after it starts. Overlapping
windows are allowed (the earliest-ending current one is shown).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MaintenanceWindow(models.Model):
    """A period during which the pages and the platforms' endpoints answer 503."""

    ERASURE = "set_null"  # created_by: the OPCO agent who scheduled it

    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    message = models.TextField(
        _("message"),
        help_text=_("Affiché aux utilisateurs avant et pendant la maintenance (en français)."),
    )
    banner_hours = models.PositiveSmallIntegerField(
        _("bandeau d'annonce (heures avant)"), default=72
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programmée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("maintenance programmée")
        verbose_name_plural = _("maintenances programmées")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="maintenance_window_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="maintenance_window_idx")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} → {self.ends_at:%Y-%m-%d %H:%M}"
