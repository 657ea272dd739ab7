"""Forms of the accounts app (sign-up extension for allauth)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platforms.models import Platform, Role

from . import blocklist, hooks, selectors
from .identifiers import normalise, validate_siret
from .models import Organisation


class SignupForm(forms.Form):
    """Fields allauth's sign-up form adds to email and password.

    The organisation is found by SIRET; kind and legal name are only required
    when the SIRET is not known yet. The CGU box is unticked and required.

    ``cgu_version`` is the terms version the page showed (rendered by the sign-up
    template); the check named by ``ACCOUNTS_SIGNUP_TERMS_CHECK`` refuses the form
    when it is no longer the one in force, and the box is then shown unticked.
    """

    DECLARATION_CHOICES = [
        ("legal_representative", _("Je suis le représentant légal de cette organisation")),
        ("authorised", _("Je suis autorisé(e) par le représentant légal de cette organisation")),
    ]

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    siret = forms.CharField(
        label=_("SIRET de votre établissement"),
        max_length=20,
        help_text=_("14 chiffres, sans espace."),
    )
    organisation_kind = forms.ChoiceField(
        label=_("Type d'organisation"),
        choices=[("", "---------"), *Organisation.Kind.choices],
        required=False,
    )
    organisation_name = forms.CharField(label=_("Raison sociale"), max_length=255, required=False)
    declaration = forms.ChoiceField(
        label=_("Personnel autorisé"),
        choices=DECLARATION_CHOICES,
        widget=forms.RadioSelect,
    )
    accept_cgu = forms.BooleanField(
        label=_("J'accepte les Conditions Générales d'Utilisation"),
        required=True,
        initial=False,
        error_messages={
            "required": _(
                "Vous devez accepter les Conditions Générales d'Utilisation pour créer un compte."
            )
        },
    )
    cgu_version = forms.CharField(required=False, widget=forms.HiddenInput)

    #: Shown under the SIRET when it belongs to an establishment that has an account.
    JOIN_NOTICE = _(
        "Cet établissement a déjà un compte : votre demande sera envoyée à son administrateur."
    )

    #: The invitation the person follows (``accounts.invitation_session``), set by the
    #: sign-up view; signing up with its SIRET makes no join request.
    invitation = None

    @staticmethod
    def invitation_notice(invitation) -> str:
        """Shown under the SIRET when it is that of the organisation the person is invited to."""
        return _(
            "Vous êtes invité(e) à rejoindre %(organisation)s : vous accepterez "
            "l'invitation après avoir confirmé votre adresse e-mail, sans autre demande."
        ) % {"organisation": invitation.organisation.legal_name}

    def _siret_shown(self) -> str:
        if self.is_bound:
            return getattr(self, "cleaned_data", {}).get("siret") or ""
        return self.initial.get("siret") or ""

    def siret_is_invited(self) -> bool:
        """Whether the SIRET shown is that of the invitation's organisation: its kind and
        name are known, so the form does not ask for them."""
        siret = self._siret_shown()
        return (
            bool(siret)
            and self.invitation is not None
            and (self.invitation.organisation.siret == siret)
        )

    def siret_notice(self) -> str:
        """The notice under the SIRET: the invitation's, else the join notice when the
        SIRET (submitted and valid, or prefilled from the invitation) has an account."""
        siret = self._siret_shown()
        if not siret:
            return ""
        if self.siret_is_invited():
            return self.invitation_notice(self.invitation)
        if selectors.signup_joins_existing(siret=siret):
            return str(self.JOIN_NOTICE)
        return ""

    def clean_siret(self) -> str:
        siret = normalise(self.cleaned_data["siret"])
        validate_siret(siret)
        blocklist.check_siren(siret)
        return siret

    def clean(self):
        cleaned = super().clean()
        siret = cleaned.get("siret")
        if siret and not Organisation.objects.filter(siret=siret).exists():
            if not cleaned.get("organisation_kind"):
                self.add_error(
                    "organisation_kind",
                    ValidationError(_("Indiquez le type de votre organisation."), code="required"),
                )
            if not cleaned.get("organisation_name", "").strip():
                self.add_error(
                    "organisation_name",
                    ValidationError(
                        _("Indiquez la raison sociale de votre organisation."), code="required"
                    ),
                )
        try:
            hooks.signup_terms_check(shown=cleaned.get("cgu_version", ""), now=timezone.now())
        except ValidationError as error:
            self.add_error("accept_cgu", error)
            self._untick("accept_cgu")
        return cleaned

    def _untick(self, name: str) -> None:
        """Re-render the box unticked: the person must tick it again for the new text."""
        self.data = self.data.copy()
        self.data.pop(self.add_prefix(name), None)

    def signup(self, request, user) -> None:
        """allauth hook; the real work happens in the adapter's ``save_user``."""


# --- Organisation administration ("Mon organisation") --------------------------


class InvitationForm(forms.Form):
    """An administrator invites a colleague by email."""

    email = forms.EmailField(label=_("Adresse e-mail de la personne à inviter"))
    is_administrator = forms.BooleanField(
        label=_("Elle sera aussi administratrice de l'organisation"), required=False
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class AccessGrantForm(forms.Form):
    """Pick one (platform, role) pair; the choices shown are those the platforms offer.

    The field is free text on purpose: a pair the platform does not offer is
    refused by ``platforms.services.access_grant`` with a message naming the
    platform and the role, not with a generic "invalid choice".
    """

    offer = forms.CharField(label=_("Plateforme et rôle"), widget=forms.Select)

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].widget.choices = [
            ("", _("Choisissez une plateforme et un rôle")),
            *[
                (platform.name, [(f"{platform.code}:{role.code}", role.name) for role in roles])
                for platform, roles in offers
                if roles
            ],
        ]

    def clean_offer(self):
        platform_code, _sep, role_code = self.cleaned_data["offer"].partition(":")
        platform = Platform.objects.filter(code=platform_code).first()
        role = Role.objects.filter(code=role_code).first()
        if platform is None or role is None:
            raise ValidationError(_("Choisissez une plateforme et un rôle."), code="invalid")
        return platform, role
