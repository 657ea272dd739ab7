"""Models of the lifecycle app: journal, notices (outbox), tombstones, sweep lock.

The account's own state lives on ``accounts.User`` (``state``,
``deactivation_reason``, ``suspension_reason``, ``state_changed_at``,
``reactivated_at``, ``notice_sent_at``, ``notice_failed_at``) so that the sweep
selects due accounts from one table; only ``lifecycle.services`` writes them.

Every model here that links to the user declares ``ERASURE`` (see
``lifecycle.erasure``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountState, DeactivationReason, SuspensionReason

from .choices import ActorKind, NoticeKind
from .labels import action_label, instant

__all__ = [
    "AccountState",
    "ActorKind",
    "DeactivationReason",
    "JournalEntry",
    "Notice",
    "SuspensionReason",
    "SweepLock",
    "Tombstone",
]


class JournalEntry(models.Model):
    """One transition or event of an account: who, what, when, why.

    Rows about a user are erased with him; rows where he was only the actor
    keep the action but lose the link (``actor`` is nulled, ``actor_kind`` stays).
    """

    ERASURE = "cascade"  # user: deleted with him; actor: SET_NULL (a third party's link)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="journal_entries",
        verbose_name=_("compte"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    actor_kind = models.CharField(_("type d'auteur"), max_length=16, choices=ActorKind.choices)
    action = models.CharField(_("action"), max_length=64)
    reason = models.CharField(_("motif"), max_length=64, blank=True)
    at = models.DateTimeField(_("date"))
    data = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des comptes")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "at"], name="lifecycle_journal_user_at"),
            # The ramp counts today's warnings; the dashboard counts actions per day.
            models.Index(fields=["action", "at"], name="lifecycle_journal_action_at"),
        ]

    def __str__(self) -> str:
        return f"{instant(self.at)} {action_label(self.action)}"


class Notice(models.Model):
    """An email of the lifecycle, written in the transition's transaction (outbox).

    A Celery task sends it after commit; ``accepted_at`` (the instant the mail
    provider accepted it) starts the step's clock. At most one pending notice
    per account, kind and step; a transition cancels the pending notices of the
    step it ends.
    """

    ERASURE = "cascade"

    Kind = NoticeKind

    class Status(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        ACCEPTED = "accepted", _("Accepté par le prestataire")
        REFUSED = "refused", _("Refusé par le prestataire")
        BOUNCED = "bounced", _("Non distribué (rebond)")
        CANCELLED = "cancelled", _("Annulé (l'étape a pris fin)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lifecycle_notices",
        verbose_name=_("utilisateur"),
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    step_at = models.DateTimeField(_("début de l'étape"))
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("créé le"))
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    claimed_until = models.DateTimeField(_("envoi réservé jusqu'au"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepté le"), null=True, blank=True)
    failed_at = models.DateTimeField(_("échec le"), null=True, blank=True)
    stated_deadline = models.DateTimeField(_("échéance annoncée"), null=True, blank=True)
    message_id = models.CharField(_("identifiant du prestataire"), max_length=255, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    # Written (and committed) just before the message is handed to the provider,
    # cleared when the provider's answer is recorded: set on a pending notice, the
    # outcome of that attempt is unknown and is reconciled by its Message-ID.
    send_started_at = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    attempt_message_id = models.CharField(_("Message-ID de l'envoi"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("avis")
        verbose_name_plural = _("avis")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "step_at"],
                condition=models.Q(status="pending"),
                name="lifecycle_notice_one_pending_per_step",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(accepted_at__isnull=False),
                name="lifecycle_notice_accepted_dated",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_until"], name="lifecycle_notice_status"),
            models.Index(fields=["message_id"], name="lifecycle_notice_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


def _tombstone_id() -> uuid.UUID:
    return uuid.uuid4()


class Tombstone(models.Model):
    """What remains of a deleted account: a random id, the reason, the dates.

    Nothing here identifies the person (no user id, email, name or organisation).
    """

    id = models.UUIDField(primary_key=True, default=_tombstone_id, editable=False)
    reason = models.CharField(
        _("motif de désactivation"), max_length=32, choices=DeactivationReason.choices
    )
    deactivated_at = models.DateTimeField(_("désactivé le"), null=True)
    notice_sent_at = models.DateTimeField(_("avis accepté le"), null=True)
    notice_delivered = models.BooleanField(_("avis distribué"), default=True)
    deleted_at = models.DateTimeField(_("supprimé le"))

    class Meta:
        verbose_name = _("compte supprimé")
        verbose_name_plural = _("comptes supprimés")
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        return str(self.id)


class SweepLock(models.Model):
    """A lease so that two sweeps never run at once without Redis (SQLite path)."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verrou de passage")
        verbose_name_plural = _("verrous de passage")

    def __str__(self) -> str:
        return self.name


class Heartbeat(models.Model):
    """The last sign of life of a background process ("worker"; beat is read from
    django-celery-beat's own ``last_run_at``). A stale heartbeat is an alarm: the
    lifecycle (sweep, notices) has stopped."""

    name = models.CharField(max_length=32, primary_key=True)
    seen_at = models.DateTimeField(_("dernier signe de vie"))
    hostname = models.CharField(_("machine"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("battement de cœur")
        verbose_name_plural = _("battements de cœur")

    def __str__(self) -> str:
        return self.name
