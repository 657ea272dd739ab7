"""SAML service providers, the pairwise subjects and the SAML sessions.

Invariants:
- a service provider belongs to one centralised platform; its metadata XML is
  the source of its endpoints and certificates (``entity_id`` and the
  certificate expiry are read from it when it is saved through the services);
- a subject (``SamlSubject``) is the persistent, pairwise NameID of one person on
  one platform: random, never derived from the email, deleted with the person;
- a session row exists while the person holds a SAML session at a provider;
  it is what single logout and a deactivation end;
- ``SeenRequest`` remembers AuthnRequest ids until they expire (replay).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NameIdFormat(models.TextChoices):
    PERSISTENT = (
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        _("persistant (par plateforme)"),
    )
    EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", _("adresse e-mail")


class ReleasedAttribute(models.TextChoices):
    EMAIL = "email", _("adresse e-mail")
    GIVEN_NAME = "given_name", _("prénom")
    FAMILY_NAME = "family_name", _("nom")
    HABILITATIONS = "habilitations", _("habilitations (SIREN, SIRET, organisation, type, rôles)")


def default_released() -> list[str]:
    return [choice.value for choice in ReleasedAttribute]


class ServiceProvider(models.Model):
    platform = models.ForeignKey(
        "platforms.Platform",
        on_delete=models.PROTECT,
        related_name="saml_providers",
        verbose_name=_("plateforme"),
    )
    entity_id = models.CharField(_("identifiant d'entité (entityID)"), max_length=512, unique=True)
    metadata_url = models.URLField(_("adresse des métadonnées"), max_length=512, blank=True)
    metadata_xml = models.TextField(_("métadonnées XML"))
    name_id_format = models.CharField(
        _("format du NameID"),
        max_length=128,
        choices=NameIdFormat.choices,
        default=NameIdFormat.PERSISTENT,
    )
    released_attributes = models.JSONField(
        _("attributs transmis"), default=default_released, blank=True
    )
    certificate_expires_at = models.DateTimeField(
        _("expiration du certificat"), null=True, blank=True
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("fournisseur de service SAML")
        verbose_name_plural = _("fournisseurs de service SAML")
        ordering = ["platform__position", "entity_id"]

    def __str__(self) -> str:
        return f"{self.platform.name} — {self.entity_id}"


class SamlSubject(models.Model):
    ERASURE = "cascade"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saml_subjects"
    )
    platform = models.ForeignKey(
        "platforms.Platform", on_delete=models.CASCADE, related_name="saml_subjects"
    )
    name_id = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("identifiant SAML")
        verbose_name_plural = _("identifiants SAML")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "platform"], name="saml_subject_one_per_platform"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform_id}:{self.name_id}"


class SamlSession(models.Model):
    ERASURE = "cascade"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saml_sessions"
    )
    provider = models.ForeignKey(
        ServiceProvider, on_delete=models.CASCADE, related_name="sessions"
    )
    name_id = models.CharField(max_length=320)
    started_at = models.DateTimeField()

    class Meta:
        verbose_name = _("session SAML")
        verbose_name_plural = _("sessions SAML")
        indexes = [models.Index(fields=["user", "provider"], name="saml_session_user_sp")]

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.name_id}"


class SeenRequest(models.Model):
    provider = models.ForeignKey(ServiceProvider, on_delete=models.CASCADE, related_name="+")
    request_id = models.CharField(max_length=256)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("requête SAML reçue")
        verbose_name_plural = _("requêtes SAML reçues")
        constraints = [
            models.UniqueConstraint(fields=["provider", "request_id"], name="saml_request_once")
        ]

    def __str__(self) -> str:
        return self.request_id
