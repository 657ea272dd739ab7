"""Models of the privacy app.

Every model linking to the user declares ``ERASURE`` (what account deletion does
to its rows). Invariants held by the database:
- at most one pending closure request per user;
- at most one open (pending or submitted) proof request per (user, organisation);
- one blocklist entry per (kind, value);
- a DPO request names its requester (an account or an email address).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User


class ClosureRequest(models.Model):
    """A user's request to close his account ("désinscription")."""

    ERASURE = "cascade"

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        WITHDRAWN = "withdrawn", _("Retirée")
        PROCESSED = "processed", _("Traitée")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="closure_requests",
        verbose_name=_("utilisateur"),
    )
    reason = models.TextField(_("motif"), blank=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )

    class Meta:
        verbose_name = _("demande de clôture")
        verbose_name_plural = _("demandes de clôture")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="privacy_closure_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_status_display()})"


class DpoRequest(models.Model):
    """A request to the data protection officer, with its legal deadline."""

    ERASURE = "cascade"

    class Kind(models.TextChoices):
        RESTRICTION = "restriction", _("Limitation du traitement")
        OBJECTION = "objection", _("Opposition")
        ACCESS = "access", _("Accès")
        ERASURE = "erasure", _("Effacement")
        OTHER = "other", _("Autre")

    class Channel(models.TextChoices):
        FORM = "form", _("Formulaire en ligne")
        EMAIL = "email", _("E-mail")
        POST = "post", _("Courrier")

    class Status(models.TextChoices):
        OPEN = "open", _("Ouverte")
        ANSWERED = "answered", _("Répondue")

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    channel = models.CharField(
        _("canal"), max_length=8, choices=Channel.choices, default=Channel.FORM
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default="open")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dpo_requests",
        verbose_name=_("compte"),
    )
    requester_name = models.CharField(_("demandeur"), max_length=255, blank=True)
    requester_email = models.EmailField(_("e-mail du demandeur"), blank=True)
    requester_address = models.TextField(_("adresse postale du demandeur"), blank=True)
    message = models.TextField(_("demande"))
    received_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    due_at = models.DateTimeField(_("échéance"))
    extended_at = models.DateTimeField(_("prolongée le"), null=True, blank=True)
    extension_reason = models.TextField(_("motif de la prolongation"), blank=True)
    answer = models.TextField(_("réponse"), blank=True)
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    reminders_sent = models.JSONField(_("rappels envoyés"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisie par"),
    )

    class Meta:
        verbose_name = _("demande au DPO")
        verbose_name_plural = _("demandes au DPO")
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False)
                | ~models.Q(requester_email="")
                | ~models.Q(requester_address=""),
                name="privacy_dpo_has_requester",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="privacy_dpo_open_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.requester_label}"

    @property
    def requester_label(self) -> str:
        if self.user_id:
            return str(self.user)
        return self.requester_name or self.requester_email or str(_("demandeur sans compte"))


class BlocklistEntry(models.Model):
    """A value sign-up and email change refuse: an email, an email domain or a SIREN."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Adresse e-mail")
        DOMAIN = "domain", _("Domaine d'e-mail")
        SIREN = "siren", _("SIREN")

    ERASURE = "set_null"

    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    value = models.CharField(_("valeur"), max_length=254)
    reason = models.TextField(_("motif"))
    created_at = models.DateTimeField(_("ajoutée le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ajoutée par"),
    )

    class Meta:
        verbose_name = _("entrée de la liste de blocage")
        verbose_name_plural = _("liste de blocage des inscriptions")
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="privacy_blocklist_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.value}"


class ReportOrigin(models.TextChoices):
    """Where a lost-credentials report came from (journaled with every report)."""

    AGENT = "agent", _("Agent OPCO")
    SIGNED_IN = "signed_in", _("Titulaire connecté")
    EMAIL_LINK = "email_link", _("Lien de confirmation reçu par e-mail")
    ANONYMOUS = "anonymous", _("Formulaire public (anonyme)")


class LostCredentialsReport(models.Model):
    """A report of lost or stolen credentials, queued for an agent.

    Rows exist only for reports that matched an account (an unknown email
    leaves nothing behind). A ``pending`` report means the account is
    suspended; a ``to_review`` one (an anonymous report on an OPCO staff
    account) suspended nothing: an agent checks it first.
    """

    ERASURE = "cascade"

    class Status(models.TextChoices):
        TO_REVIEW = "to_review", _("Compte OPCO signalé anonymement — à vérifier")
        PENDING = "pending", _("À traiter")
        ACCESS_ISSUED = "access_issued", _("Nouvel accès envoyé")
        RESOLVED = "resolved", _("Accès rétabli")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lost_credentials_reports",
        verbose_name=_("compte"),
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    message = models.TextField(_("précisions"), blank=True)
    reported_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signalé par (agent)"),
    )
    issued_at = models.DateTimeField(_("nouvel accès envoyé le"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("envoyé par"),
    )
    new_email = models.EmailField(_("nouvelle adresse de connexion"), blank=True)
    resolved_at = models.DateTimeField(_("accès rétabli le"), null=True, blank=True)
    origin = models.CharField(
        _("origine"), max_length=16, choices=ReportOrigin.choices, default=ReportOrigin.AGENT
    )

    class Meta:
        verbose_name = _("signalement d'identifiants perdus ou volés")
        verbose_name_plural = _("identifiants perdus ou volés")
        ordering = ["reported_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_status_display()})"


class LostCredentialsConfirmation(models.Model):
    """A one-use link sent to an account's address after an anonymous report.

    Only following it ("Oui, suspendre mon compte") suspends the account: an
    anonymous visitor who knows an address cannot lock its owner out. The
    token itself is never stored, only its SHA-256. Invariants: a row is used
    at most once (``used_at``) and never after ``expires_at``.
    """

    ERASURE = "cascade"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lost_credentials_confirmations",
        verbose_name=_("compte"),
    )
    token_hash = models.CharField(_("empreinte du lien"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("envoyé le"))
    expires_at = models.DateTimeField(_("expire le"))
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("confirmation de signalement d'identifiants perdus")
        verbose_name_plural = _("confirmations de signalement d'identifiants perdus")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"


class ProofRequest(models.Model):
    """OPCO's request to a user for a written proof of authority for an organisation."""

    ERASURE = "cascade"

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente du justificatif")
        SUBMITTED = "submitted", _("Justificatif déposé")
        ACCEPTED = "accepted", _("Accepté")
        EXPIRED = "expired", _("Échéance dépassée — accès suspendus")

    OPEN_STATUSES = (Status.PENDING, Status.SUBMITTED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proof_requests",
        verbose_name=_("utilisateur"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="proof_requests",
        verbose_name=_("organisation"),
    )
    message = models.TextField(_("message à l'utilisateur"), blank=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )
    due_at = models.DateTimeField(_("échéance"))
    reminders_sent = models.JSONField(_("rappels envoyés"), default=list, blank=True)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    decision_reason = models.TextField(_("motif de la décision"), blank=True)
    suspended_at = models.DateTimeField(_("accès suspendus le"), null=True, blank=True)
    suspended_accesses = models.JSONField(
        _("habilitations suspendues"),
        default=list,
        blank=True,
        help_text=_("Rétablies si le justificatif est accepté après l'échéance."),
    )

    class Meta:
        verbose_name = _("demande de justificatif de pouvoir")
        verbose_name_plural = _("demandes de justificatif de pouvoir")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(status__in=["pending", "submitted"]),
                name="privacy_proof_one_open",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="privacy_proof_open_due_idx")]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation.legal_name}"


def _proof_storage_name() -> str:
    return uuid.uuid4().hex


class ProofDocument(models.Model):
    """A file uploaded as proof of authority.

    Stored under ``PRIVACY`` proof root (inside PRIVATE_MEDIA_ROOT, outside the
    web root) under a random name; the user's file name is kept only as a label.
    The file is removed from disk when the row is deleted (``privacy.signals``).
    """

    ERASURE = "cascade"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(ProofRequest, on_delete=models.CASCADE, related_name="documents")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proof_documents",
        verbose_name=_("déposé par"),
    )
    storage_name = models.CharField(max_length=64, unique=True, default=_proof_storage_name)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type"), max_length=64)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)

    class Meta:
        verbose_name = _("justificatif")
        verbose_name_plural = _("justificatifs")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class AccountSuspension(User):
    """Proxy of the user for the back-office's suspension page (privacy/admin.py)."""

    class Meta:
        proxy = True
        verbose_name = _("suspension de compte")
        verbose_name_plural = _("suspensions de comptes")
