"""Back-office for SAML service providers: registered from their metadata.

An agent links a provider to a platform by giving its metadata URL or uploading
its XML; the entityID and the certificate expiry are read from it (shown in the
list, an expired or soon-expiring certificate flagged). Saving goes through
``services.saml_provider_register`` (validation errors shown on the form).
"""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Platform
from . import services
from .models import ReleasedAttribute, ServiceProvider

MAX_METADATA_BYTES = 512 * 1024
EXPIRY_WARNING = timedelta(days=30)


class ServiceProviderForm(forms.ModelForm):
    metadata_file = forms.FileField(
        label=_("fichier de métadonnées XML"),
        required=False,
        help_text=_("Ou indiquez l'adresse des métadonnées ci-dessus."),
    )
    released_attributes = forms.MultipleChoiceField(
        label=_("attributs transmis"),
        choices=ReleasedAttribute.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ServiceProvider
        fields = ["platform", "metadata_url", "name_id_format", "released_attributes", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = Platform.objects.filter(is_centralised=True)
        self.fields["metadata_url"].required = False

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("metadata_file")
        url = cleaned.get("metadata_url")
        if upload is not None:
            if upload.size > MAX_METADATA_BYTES:
                raise ValidationError(_("Le fichier de métadonnées dépasse 512 Ko."))
            try:
                self.metadata_xml = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationError(_("Le fichier de métadonnées doit être en UTF-8.")) from exc
        elif url:
            self.metadata_xml = services.saml_metadata_fetch(url=url)
        elif self.instance.pk:
            self.metadata_xml = self.instance.metadata_xml
        else:
            raise ValidationError(
                _("Indiquez l'adresse des métadonnées ou déposez le fichier XML.")
            )
        services.saml_provider_check(
            metadata_xml=self.metadata_xml, provider=self.instance if self.instance.pk else None
        )
        return cleaned


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    form = ServiceProviderForm
    list_display = ["entity_id", "platform", "name_id_format", "certificate_state", "is_active"]
    list_filter = ["platform", "is_active"]
    search_fields = ["entity_id"]
    readonly_fields = ["entity_id", "certificate_expires_at", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        saved = services.saml_provider_register(
            platform=form.cleaned_data["platform"],
            metadata_xml=form.metadata_xml,
            metadata_url=form.cleaned_data.get("metadata_url") or "",
            name_id_format=form.cleaned_data["name_id_format"],
            released_attributes=list(form.cleaned_data["released_attributes"]),
            is_active=form.cleaned_data["is_active"],
            provider=obj if change else None,
        )
        obj.pk, obj.entity_id = saved.pk, saved.entity_id

    @admin.display(description=_("certificat"))
    def certificate_state(self, obj):
        if obj.certificate_expires_at is None:
            return _("aucun certificat")
        now = timezone.now()
        date = timezone.localtime(obj.certificate_expires_at).strftime("%d/%m/%Y")
        if obj.certificate_expires_at <= now:
            return _("expiré le %(date)s") % {"date": date}
        if obj.certificate_expires_at <= now + EXPIRY_WARNING:
            return _("expire bientôt : %(date)s") % {"date": date}
        return _("valide jusqu'au %(date)s") % {"date": date}
