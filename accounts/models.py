"""Accounts, organisations and memberships.

Invariants held by the database:
- one account per email, compared case-insensitively;
- one organisation per SIRET, whose SIREN is the SIRET's first nine digits;
- one membership per (user, organisation);
- at most one pending join request per (user, organisation).
"""

import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from .identifiers import validate_siren, validate_siret


class AccountState(models.TextChoices):
    """Where an account stands in its lifecycle (DOMAIN.md, "The account lifecycle").

    ``is_active`` is True exactly in the states ACTIVE and WARNED (a database
    constraint holds it).
    """

    ACTIVE = "active", _("Actif")
    WARNED = "warned", _("Averti pour inactivité")
    DEACTIVATED = "deactivated", _("Désactivé")
    SUSPENDED = "suspended", _("Suspendu")


class DeactivationReason(models.TextChoices):
    """Why an account was deactivated (re-exported by ``lifecycle.models``)."""

    OPCO = "opco", _("Désactivé par OPCO Mobilités")
    ORG_ADMIN = "org_admin", _("Désactivé par l'administrateur de l'organisation")
    INACTIVITY = "inactivity", _("Inactivité")
    CLOSURE_REQUEST = "closure_request", _("Demande de clôture")
    END_OF_AUTHORITY = "end_of_authority", _("Fin d'habilitation")


class SuspensionReason(models.TextChoices):
    """Why an account was suspended (re-exported by ``lifecycle.models``)."""

    CGU_BREACH = "cgu_breach", _("Manquement aux CGU")
    LOST_CREDENTIALS = "lost_credentials", _("Identifiants perdus ou volés")
    MISSING_PROOF = "missing_proof", _("Justificatif d'habilitation non fourni")
    OTHER = "other", _("Autre motif")


class UserManager(BaseUserManager):
    """Creates users from an email; the email is stored lower-cased."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A natural person: one email, one password, every centralised platform.

    ``is_active`` is False exactly when the account cannot sign in (it is kept
    in step with the lifecycle state by the lifecycle services).
    """

    email = models.EmailField(_("adresse e-mail"), max_length=254, unique=True)
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    phone = models.CharField(_("téléphone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(
        _("agent OPCO"),
        default=False,
        help_text=_("Accès au back-office OPCO Mobilités."),
    )
    date_joined = models.DateTimeField(_("date d'inscription"), default=timezone.now)
    last_activity_at = models.DateTimeField(
        _("dernière activité"),
        null=True,
        blank=True,
        help_text=_(
            "Dernière connexion, connexion unique ou activité signalée par une plateforme."
        ),
    )

    # Lifecycle state, written only by lifecycle.services (see lifecycle/models.py).
    state = models.CharField(
        _("état"), max_length=16, choices=AccountState.choices, default=AccountState.ACTIVE
    )
    deactivation_reason = models.CharField(
        _("motif de désactivation"),
        max_length=32,
        choices=DeactivationReason.choices,
        blank=True,
        default="",
    )
    suspension_reason = models.CharField(
        _("motif de suspension"),
        max_length=32,
        choices=SuspensionReason.choices,
        blank=True,
        default="",
    )
    state_changed_at = models.DateTimeField(_("changement d'état le"), null=True, blank=True)
    reactivated_at = models.DateTimeField(
        _("réactivé le"),
        null=True,
        blank=True,
        help_text=_("Une réactivation fait repartir le délai d'inactivité."),
    )
    notice_sent_at = models.DateTimeField(
        _("avis accepté par le prestataire le"),
        null=True,
        blank=True,
        help_text=_("Point de départ du délai de l'étape en cours."),
    )
    notice_failed_at = models.DateTimeField(
        _("avis non distribué le"),
        null=True,
        blank=True,
        help_text=_("Délai arrêté : le compte attend un examen par OPCO Mobilités."),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    is_active=True, state__in=[AccountState.ACTIVE, AccountState.WARNED]
                )
                | models.Q(
                    is_active=False,
                    state__in=[AccountState.DEACTIVATED, AccountState.SUSPENDED],
                ),
                name="accounts_user_is_active_follows_state",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(state=AccountState.DEACTIVATED) & ~models.Q(deactivation_reason="")
                )
                | (~models.Q(state=AccountState.DEACTIVATED) & models.Q(deactivation_reason="")),
                name="accounts_user_deactivation_reason_iff_deactivated",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(state=AccountState.SUSPENDED) & ~models.Q(suspension_reason="")
                )
                | (~models.Q(state=AccountState.SUSPENDED) & models.Q(suspension_reason="")),
                name="accounts_user_suspension_reason_iff_suspended",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=[AccountState.WARNED, AccountState.DEACTIVATED])
                | models.Q(notice_sent_at__isnull=True, notice_failed_at__isnull=True),
                name="accounts_user_notice_only_in_noticed_states",
            ),
            models.CheckConstraint(
                condition=models.Q(state=AccountState.ACTIVE)
                | models.Q(state_changed_at__isnull=False),
                name="accounts_user_state_change_dated",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "notice_sent_at"], name="accounts_user_state_idx"),
            models.Index(fields=["last_name", "first_name"], name="accounts_user_name_idx"),
            models.Index(fields=["last_activity_at"], name="accounts_user_activity_idx"),
            # The back-office filters by reason, newest first: a small partial index
            # (only deactivated / suspended accounts) serves both the filter and the order.
            models.Index(
                fields=["deactivation_reason", "-id"],
                condition=~models.Q(deactivation_reason=""),
                name="accounts_user_deact_reason_idx",
            ),
            models.Index(
                fields=["suspension_reason", "-id"],
                condition=~models.Q(suspension_reason=""),
                name="accounts_user_susp_reason_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name


class Organisation(models.Model):
    """An establishment of a legal entity, identified by its SIRET."""

    class Kind(models.TextChoices):
        ENTREPRISE = "entreprise", _("Entreprise")
        OF = "of", _("Organisme de formation")
        CFA = "cfa", _("Centre de formation d'apprentis")
        CABINET_COMPTABLE = "cabinet_comptable", _("Cabinet comptable")
        CABINET_RH = "cabinet_rh", _("Cabinet RH")

    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    legal_name = models.CharField(_("raison sociale"), max_length=255)
    siren = models.CharField(_("SIREN"), max_length=9, validators=[validate_siren], db_index=True)
    siret = models.CharField(_("SIRET"), max_length=14, unique=True, validators=[validate_siret])
    address = models.TextField(_("adresse"), blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name"]
        permissions = [("manage_organisation", _("Administrer l'organisation"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(siret__startswith=models.F("siren")),
                name="accounts_organisation_siret_starts_with_siren",
            ),
        ]
        indexes = [models.Index(fields=["legal_name"], name="accounts_org_name_idx")]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.siret})"


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian permissions on an organisation (no generic FK)."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class Membership(models.Model):
    """A user working for an organisation; the anchor of his accesses."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("utilisateur"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    is_administrator = models.BooleanField(_("administrateur"), default=False)
    is_legal_representative = models.BooleanField(
        _("représentant légal"),
        default=False,
        help_text=_("Représentant légal de l'organisation (sinon : personnel autorisé par lui)."),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invité par"),
    )
    created_at = models.DateTimeField(_("membre depuis"), default=timezone.now)

    class Meta:
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="accounts_membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An organisation administrator's invitation, valid for a set number of days."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse e-mail"))
    token = models.CharField(
        _("jeton du lien"), max_length=64, unique=True, default=_invitation_token, editable=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invitée par"),
    )
    is_administrator = models.BooleanField(_("administrateur"), default=False)
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acceptée par"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        # Pending invitations are looked up by address on every home page view
        # (addresses are stored lower-cased by ``services.invitation_create``).
        indexes = [models.Index(fields=["email"], name="accounts_invitation_email_idx")]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    def is_valid(self, *, now) -> bool:
        return self.accepted_at is None and now < self.expires_at


class JoinRequest(models.Model):
    """A sign-up for an organisation that already has an administrator."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Acceptée")
        REFUSED = "refused", _("Refusée")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("demandeur"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="join_requests"
    )
    is_legal_representative = models.BooleanField(
        _("se déclare représentant légal"), default=False
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )

    class Meta:
        verbose_name = _("demande de rattachement")
        verbose_name_plural = _("demandes de rattachement")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(status="pending"),
                name="accounts_joinrequest_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation} ({self.get_status_display()})"


class StaffUser(User):
    """OPCO staff accounts (``is_staff``), listed apart in the back-office.

    A proxy (same table as ``User``): its model permissions
    (``accounts.add/change/delete/view_staffuser``) are what lets a member of
    "Administrateur OPCO" create staff accounts and change their groups, and
    what an "Agent OPCO" lacks.
    """

    class Meta:
        proxy = True
        verbose_name = _("agent OPCO")
        verbose_name_plural = _("agents OPCO")
