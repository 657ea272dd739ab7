from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Fichiers (CSV ou XLSX, un par type)"),
        help_text=_(
            "Organisations, utilisateurs, rattachements, habilitations, acceptations des CGU."
        ),
    )
    valid_only = forms.BooleanField(
        label=_("Enregistrer les lignes valides même s'il y a des erreurs"), required=False
    )
