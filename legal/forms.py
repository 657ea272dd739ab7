"""Forms of the legal app (all plain forms; writes go through ``legal.services``)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CGUAcceptForm(forms.Form):
    """The re-acceptance box: unticked, required; bound to the version shown."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.BooleanField(
        label=_("J'ai lu et j'accepte les Conditions Générales d'Utilisation"),
        required=True,
        error_messages={
            "required": _("Cochez la case pour accepter les Conditions Générales d'Utilisation.")
        },
    )


class CGUDiffForm(forms.Form):
    """Two versions to compare (ids of published versions)."""

    de = forms.TypedChoiceField(label=_("Version de départ"), coerce=int)
    a = forms.TypedChoiceField(label=_("Version d'arrivée"), coerce=int)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(v.pk, v.label) for v in versions]
        self.fields["de"].choices = choices
        self.fields["a"].choices = choices


class CookieChoiceForm(forms.Form):
    """A cookie choice: all, none, or per category (only audience is optional)."""

    CHOICES = [("accept_all", "accept_all"), ("refuse_all", "refuse_all"), ("custom", "custom")]

    choice = forms.ChoiceField(choices=CHOICES)
    audience = forms.BooleanField(label=_("Mesure d'audience"), required=False)
    next = forms.CharField(required=False)

    def audience_accepted(self) -> bool:
        choice = self.cleaned_data["choice"]
        if choice == "accept_all":
            return True
        if choice == "refuse_all":
            return False
        return self.cleaned_data["audience"]
