"""Platforms, roles and accesses.

A user's access is a triple (organisation, platform, role), held here as an
``Access`` on his ``Membership``. Which roles a platform offers is data
(``Platform.roles``) that OPCO edits. Invariants held by the database: one
access per (membership, platform, role); platform codes and role codes unique.
The rules "the role is offered by the platform" and "the organisation's kind may
use the platform" (``Platform.organisation_kinds``) are checked by the service that
grants accesses (``platforms.services.access_grant``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import validate_initiate_login_uri


class Role(models.Model):
    """A role a user can hold on a platform for an organisation."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("rôle")
        verbose_name_plural = _("rôles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Platform(models.Model):
    """One of OPCO Mobilités' web applications, with its legal facts as data."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    url = models.URLField(_("adresse"), blank=True)
    is_centralised = models.BooleanField(
        _("centralisée"),
        default=True,
        help_text=_("Les comptes de cette plateforme sont gérés par le centre de comptes."),
    )
    deactivation_popin = models.BooleanField(
        _("pop-in de désactivation"),
        default=False,
        help_text=_("Confirmer la désactivation d'un compte par une fenêtre datée."),
    )
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    host_name = models.CharField(_("hébergeur"), max_length=255, blank=True)
    host_address = models.TextField(_("adresse de l'hébergeur"), blank=True)
    host_registry = models.CharField(
        _("immatriculation de l'hébergeur"), max_length=255, blank=True
    )
    designer_name = models.CharField(_("concepteur"), max_length=255, blank=True)
    designer_address = models.TextField(_("adresse du concepteur"), blank=True)
    designer_registry = models.CharField(
        _("immatriculation du concepteur"), max_length=255, blank=True
    )
    roles = models.ManyToManyField(
        Role, related_name="platforms", blank=True, verbose_name=_("rôles proposés")
    )
    # Which kinds of organisation (``accounts.Organisation.Kind`` values) may hold
    # an access here: data OPCO edits, checked by ``services.access_check``.
    organisation_kinds = models.JSONField(
        _("types d'organisation autorisés"),
        default=list,
        blank=True,
        help_text=_(
            "Les habilitations de cette plateforme ne peuvent être accordées qu'aux "
            "organisations de ces types."
        ),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    # Single sign-on: the platform's OpenID Connect client. Its ``owner`` stays
    # empty (allauth deletes a client with its owner user).
    oidc_client = models.OneToOneField(
        "allauth_idp_oidc.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="platform",
        verbose_name=_("client OpenID Connect"),
    )
    backchannel_logout_uri = models.URLField(
        _("URI de déconnexion back-channel"),
        blank=True,
        help_text=_(
            "Adresse à laquelle le centre de comptes envoie un jeton de déconnexion "
            "(OpenID Connect Back-Channel Logout 1.0)."
        ),
    )
    # OIDC Core 1.0 §4 (client metadata of OIDC Registration §2): where the
    # home page's "Mes services en ligne" sends the person, with ``iss``, so
    # that the platform starts its own authorization request.
    initiate_login_uri = models.URLField(
        _("URI de connexion initiée par un tiers"),
        max_length=500,
        blank=True,
        validators=[validate_initiate_login_uri],
        help_text=_(
            "Adresse de la plateforme qui démarre la connexion SSO (initiate_login_uri, "
            "OpenID Connect Core §4), en https. Le centre de comptes y ajoute iss et "
            "target_link_uri. Vide : « Mes services en ligne » ouvre l'adresse de la plateforme."
        ),
    )

    class Meta:
        verbose_name = _("plateforme")
        verbose_name_plural = _("plateformes")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.initiate_login_uri and not self.is_centralised:
            raise ValidationError(
                {
                    "initiate_login_uri": _(
                        "Une plateforme non centralisée n'utilise pas le SSO : "
                        "laissez ce champ vide."
                    )
                }
            )

    def allows_organisation_kind(self, kind: str) -> bool:
        return kind in (self.organisation_kinds or [])


class Access(models.Model):
    """The right to use ``platform`` with ``role`` for the membership's organisation."""

    # The user's own accesses go with his memberships (cascade); ``granted_by``
    # is a third party's link and is nulled.
    ERASURE = "set_null"

    membership = models.ForeignKey(
        "accounts.Membership",
        on_delete=models.CASCADE,
        related_name="accesses",
        verbose_name=_("rattachement"),
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="accesses", verbose_name=_("plateforme")
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="accesses", verbose_name=_("rôle")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accordé par"),
    )
    granted_at = models.DateTimeField(_("accordé le"), default=timezone.now)

    class Meta:
        verbose_name = _("habilitation")
        verbose_name_plural = _("habilitations")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "platform", "role"], name="platforms_access_unique"
            ),
        ]
        indexes = [models.Index(fields=["platform", "role"], name="platforms_access_pr_idx")]

    def __str__(self) -> str:
        return f"{self.membership} — {self.platform} / {self.role}"


class PlatformLogin(models.Model):
    """A user signed in to a platform by single sign-on and not signed out since.

    Written at each authorization code issued; deleted by ``revoke_all``, which
    sends a back-channel logout to each platform listed here (a platform keeps
    its own session longer than the access token lives, so tokens alone would
    miss it). One row per (user, platform).
    """

    ERASURE = "cascade"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="platform_logins"
    )
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="logins")
    first_at = models.DateTimeField(_("première connexion"))
    last_at = models.DateTimeField(_("dernière connexion"))

    class Meta:
        verbose_name = _("connexion à une plateforme")
        verbose_name_plural = _("connexions aux plateformes")
        constraints = [
            models.UniqueConstraint(fields=["user", "platform"], name="platforms_login_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.platform}"


# The SAML identity provider's models live in their subpackage (platforms/saml/).
from .saml.models import SamlSession, SamlSubject, SeenRequest, ServiceProvider  # noqa: E402, F401
