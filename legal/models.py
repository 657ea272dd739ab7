"""Models of the legal app: CGU versions and acceptances, site legal facts, cookie proofs.

Invariants held by the database (constraints, and triggers installed by migration
0002 on PostgreSQL and SQLite):
- a published CGU version has a publication instant, an effective instant and a text
  hash, and takes effect no earlier than its publication;
- no two published versions share an effective instant, so at any instant exactly
  one version (the latest published one whose effective instant has passed) is in force;
- a published version's row can no longer be updated (its text is frozen);
- CGU acceptances and cookie consent records are append-only (no UPDATE);
- there is a single ``SiteSettings`` row (pk 1).

Rows that name a user declare ``ERASURE``: acceptances and consent proofs are
deleted with the user (DOMAIN: deletion removes consents).
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def text_hash(text: str) -> str:
    """SHA-256 of the text with line endings normalised (CRLF from browsers = LF)."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


class CGUVersion(models.Model):
    """One version of the terms of use (Conditions Générales d'Utilisation).

    Drafts are editable; publication freezes label, text and summary and stores the
    text's hash. The version in force at an instant is the latest published one whose
    ``effective_at`` is at or before that instant (see ``legal.selectors``).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")

    ERASURE = "set_null"  # published_by is the OPCO agent who published; nulled on deletion

    label = models.CharField(
        _("libellé"), max_length=200, help_text=_("Par exemple « Février 2025 (version 2) ».")
    )
    text = models.TextField(_("texte (Markdown)"))
    summary = models.TextField(
        _("résumé des changements"),
        blank=True,
        help_text=_("Ce qui change par rapport à la version précédente, montré aux utilisateurs."),
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    effective_at = models.DateTimeField(
        _("entrée en vigueur"),
        null=True,
        blank=True,
        help_text=_("Peut être dans le futur. Vide : dès la publication."),
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True, editable=False)
    text_hash = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("publiée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("version des CGU")
        verbose_name_plural = _("versions des CGU")
        ordering = ["-effective_at", "-pk"]
        permissions = [("publish_cguversion", _("Publier une version des CGU"))]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_at"],
                condition=models.Q(status="published"),
                name="legal_cgu_one_published_per_effective_instant",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (
                    models.Q(published_at__isnull=False, effective_at__isnull=False)
                    & ~models.Q(text_hash="")
                    & models.Q(effective_at__gte=models.F("published_at"))
                ),
                name="legal_cgu_published_is_complete",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_at"], name="legal_cgu_force_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_intact(self) -> bool:
        """True when the stored text still matches the hash taken at publication."""
        return self.is_published and text_hash(self.text) == self.text_hash


class CGUAcceptance(models.Model):
    """Proof that a user accepted one exact CGU text: who, which, when, from where.

    Append-only: no service updates or deletes a row; the database refuses UPDATE.
    Rows go with the user when the account is deleted.
    """

    class Context(models.TextChoices):
        SIGNUP = "signup", _("Inscription")
        REACCEPTANCE = "reacceptance", _("Nouvelle acceptation")
        SSO = "sso", _("Connexion à une plateforme (SSO)")
        IMPORT = "import", _("Reprise depuis l'ancien système")
        PUBLICATION = "publication", _("Publication par l'agent OPCO")

    ERASURE = "cascade"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cgu_acceptances",
        verbose_name=_("utilisateur"),
    )
    version = models.ForeignKey(
        CGUVersion,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("version"),
    )
    version_hash = models.CharField(_("empreinte du texte accepté"), max_length=64)
    accepted_at = models.DateTimeField(_("acceptée le"))
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(_("navigateur (user agent)"), max_length=512, blank=True)
    context = models.CharField(_("contexte"), max_length=16, choices=Context.choices)

    class Meta:
        verbose_name = _("acceptation des CGU")
        verbose_name_plural = _("acceptations des CGU")
        ordering = ["-accepted_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-accepted_at"], name="legal_accept_user_idx"),
            models.Index(fields=["version", "accepted_at"], name="legal_accept_version_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.version} ({self.accepted_at:%Y-%m-%d %H:%M})"


class SiteSettings(models.Model):
    """The editor's legal facts shown on the legal pages (one row, edited in the admin)."""

    editor_name = models.CharField(_("éditeur"), max_length=255, blank=True)
    editor_legal_form = models.CharField(_("forme juridique"), max_length=255, blank=True)
    editor_address = models.TextField(_("adresse du siège"), blank=True)
    editor_registry = models.CharField(
        _("immatriculation (SIREN, RCS…)"), max_length=255, blank=True
    )
    editor_vat_number = models.CharField(_("numéro de TVA"), max_length=64, blank=True)
    editor_phone = models.CharField(_("téléphone"), max_length=64, blank=True)
    editor_email = models.EmailField(_("e-mail de contact"), blank=True)
    publication_director = models.CharField(
        _("directeur de la publication"), max_length=255, blank=True
    )
    dpo_email = models.EmailField(_("e-mail du DPO"), blank=True)
    dpo_postal_address = models.TextField(_("adresse postale du DPO"), blank=True)
    cnil_address = models.TextField(_("adresse de la CNIL (réclamations)"), blank=True)
    cnil_url = models.URLField(_("site de réclamation de la CNIL"), blank=True)
    account_closure_contact = models.TextField(
        _("comment fermer son compte"),
        blank=True,
        help_text=_("Indiqué à l'utilisateur qui refuse les CGU (e-mail ou adresse)."),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("informations légales du site")
        verbose_name_plural = _("informations légales du site")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="legal_sitesettings_singleton")
        ]

    def __str__(self) -> str:
        return str(_("Informations légales du site"))


class ConsentRecord(models.Model):
    """Proof of one cookie choice: categories, instant, notice version, who (anonymous id).

    ``subject_id`` is the random id kept in the consent cookie; ``user`` is set when
    the visitor was signed in. Append-only; deleted with the user.
    """

    ERASURE = "cascade"

    subject_id = models.UUIDField(_("identifiant anonyme"), default=uuid.uuid4, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cookie_consents",
        verbose_name=_("utilisateur"),
    )
    categories = models.JSONField(_("choix par catégorie"))
    notice_version = models.CharField(_("version de la notice cookies"), max_length=32)
    recorded_at = models.DateTimeField(_("enregistré le"))

    class Meta:
        verbose_name = _("preuve de consentement aux cookies")
        verbose_name_plural = _("preuves de consentement aux cookies")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject_id} — {self.recorded_at:%Y-%m-%d %H:%M}"
