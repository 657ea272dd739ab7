"""Streams, the event outbox, and who each platform may hear about.

- ``Stream``: one per platform (database constraint), its delivery method and
  state (SSF 1.0 "Stream Configuration", "Stream Status") and the push
  bookkeeping (failures, next attempt, the worker's lease).
- ``StreamEvent``: the outbox. A row is written in the transaction of the
  change it reports, with the SET's claims (``payload``, signed at delivery);
  it holds the platform's ``sub`` and never an email address. ``delivered_at``
  is set once the receiver accepted it (push 202, or poll acknowledgement);
  ``rejected_at`` when the receiver refused it for good (RFC 8935 §2.3 error).
  Delivered events about a deleted account (``purged``) are deleted.
- ``StreamSubject``: a person held an access on a platform (written when it is
  granted), so the platform still hears about him once the access is gone.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import events


def new_stream_id() -> str:
    return uuid.uuid4().hex


class Stream(models.Model):
    """The event stream from the account centre to one platform's receiver."""

    class Status(models.TextChoices):
        ENABLED = "enabled", _("Active")
        PAUSED = "paused", _("En pause (événements conservés)")
        DISABLED = "disabled", _("Désactivée (aucun événement)")

    class Method(models.TextChoices):
        PUSH = events.PUSH, _("Push (RFC 8935)")
        POLL = events.POLL, _("Poll (RFC 8936)")

    stream_id = models.CharField(
        _("identifiant du flux"), max_length=64, unique=True, default=new_stream_id
    )
    platform = models.OneToOneField(
        "platforms.Platform",
        on_delete=models.CASCADE,
        related_name="ssf_stream",
        verbose_name=_("plateforme"),
    )
    status = models.CharField(
        _("état"), max_length=16, choices=Status.choices, default=Status.ENABLED
    )
    status_reason = models.CharField(_("motif de l'état"), max_length=255, blank=True)
    delivery_method = models.CharField(
        _("mode de livraison"), max_length=32, choices=Method.choices, default=Method.PUSH
    )
    endpoint_url = models.URLField(_("adresse de réception (push)"), max_length=500, blank=True)
    authorization_header = models.CharField(
        _("en-tête Authorization (push)"), max_length=500, blank=True
    )
    events_requested = models.JSONField(_("événements demandés"), default=list, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("créé le"))
    updated_at = models.DateTimeField(_("modifié le"))
    last_verification_at = models.DateTimeField(_("dernière vérification"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("échecs consécutifs"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    lease_until = models.DateTimeField(_("livraison en cours jusqu'à"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    last_error_at = models.DateTimeField(_("dernière erreur le"), null=True, blank=True)

    class Meta:
        verbose_name = _("flux d'événements")
        verbose_name_plural = _("flux d'événements")
        ordering = ["platform__position", "platform__name"]

    def __str__(self) -> str:
        return str(self.platform)

    @property
    def events_delivered(self) -> list[str]:
        """SSF 1.0: the intersection of supported and requested (all when none requested)."""
        requested = self.events_requested or events.SUPPORTED
        return [uri for uri in events.SUPPORTED if uri in requested]


class StreamEvent(models.Model):
    """One SET waiting for (or done with) delivery on one stream."""

    stream = models.ForeignKey(
        Stream, on_delete=models.CASCADE, related_name="events", verbose_name=_("flux")
    )
    jti = models.CharField(_("jti"), max_length=64, unique=True)
    event_type = models.CharField(_("type d'événement"), max_length=200)
    subject = models.CharField(
        _("sujet (sub)"),
        max_length=255,
        help_text=_("Identifiant « sub » de la personne pour cette plateforme."),
    )
    payload = models.JSONField(_("contenu du SET"))
    purged = models.BooleanField(
        _("compte supprimé"),
        default=False,
        help_text=_("Événement sur un compte supprimé : effacé dès sa livraison."),
    )
    created_at = models.DateTimeField(_("créé le"))
    delivered_at = models.DateTimeField(_("livré le"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("refusé le"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["id"]
        indexes = [
            # The delivery's reads: a stream's pending events in order, per subject.
            models.Index(
                fields=["stream", "subject", "id"],
                name="ssf_event_pending_idx",
                condition=Q(delivered_at__isnull=True, rejected_at__isnull=True),
            ),
            models.Index(fields=["delivered_at"], name="ssf_event_delivered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type.rsplit('/', 1)[-1]} → {self.stream} ({self.jti})"


class StreamSubject(models.Model):
    """``user`` holds or held an access on ``platform``: it is told about him."""

    ERASURE = "cascade"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ssf_subjects"
    )
    platform = models.ForeignKey(
        "platforms.Platform", on_delete=models.CASCADE, related_name="ssf_subjects"
    )
    since = models.DateTimeField(_("depuis"))

    class Meta:
        verbose_name = _("personne connue d'une plateforme")
        verbose_name_plural = _("personnes connues des plateformes")
        constraints = [
            models.UniqueConstraint(fields=["user", "platform"], name="ssf_subject_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.platform_id}"
