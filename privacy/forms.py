"""Forms of the privacy app (thin: validation only, writes go through services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from lifecycle.models import SuspensionReason

from .models import DpoRequest, ProofRequest


class ProfileForm(forms.Form):
    """Rectification of the user's own profile (the email is changed through allauth)."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    phone = forms.CharField(label=_("Téléphone"), max_length=32, required=False)


class ClosureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DpoRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Votre demande"), choices=DpoRequest.Kind.choices)
    message = forms.CharField(
        label=_("Précisez votre demande"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class LostCredentialsForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de votre compte"), max_length=254)
    message = forms.CharField(
        label=_("Précisions (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LostCredentialsSignedInForm(forms.Form):
    """The signed-in owner's report: his own account, no address to type."""

    message = forms.CharField(
        label=_("Précisions (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProofUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Justificatif (PDF, PNG ou JPEG)"),
        max_length=255,
        allow_empty_file=False,
        error_messages={"required": _("Choisissez un fichier à déposer.")},
    )


class ReasonForm(forms.Form):
    """Intermediate form of admin actions that need a reason."""

    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 3}))


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif de la suspension"),
        choices=SuspensionReason.choices,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class IssueAccessForm(forms.Form):
    new_email = forms.EmailField(
        label=_("Nouvelle adresse de connexion (facultatif)"),
        required=False,
        help_text=_("Laisser vide pour envoyer le lien à l'adresse actuelle du compte."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Réponse"), widget=forms.Textarea(attrs={"rows": 6}))


class ProofRequestAdminForm(forms.ModelForm):
    days = forms.IntegerField(
        label=_("Délai (jours)"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=_("30 jours par défaut."),
    )

    class Meta:
        model = ProofRequest
        fields = ["user", "organisation", "message"]

    def clean(self):
        cleaned = super().clean()
        user, organisation = cleaned.get("user"), cleaned.get("organisation")
        if (
            user
            and organisation
            and not Membership.objects.filter(user=user, organisation=organisation).exists()
        ):
            raise forms.ValidationError(
                _("Cet utilisateur n'est pas rattaché à cette organisation.")
            )
        return cleaned


class DpoRequestAdminForm(forms.ModelForm):
    class Meta:
        model = DpoRequest
        fields = [
            "kind",
            "channel",
            "user",
            "requester_name",
            "requester_email",
            "requester_address",
            "message",
            "received_at",
        ]

    def clean(self):
        cleaned = super().clean()
        if not (
            cleaned.get("user")
            or cleaned.get("requester_email")
            or cleaned.get("requester_address")
        ):
            raise forms.ValidationError(
                _("Indiquez le compte, l'e-mail ou l'adresse postale du demandeur.")
            )
        return cleaned
