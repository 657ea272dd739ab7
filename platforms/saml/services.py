"""Write operations of the SAML identity provider.

- ``saml_provider_register``: a service provider from its metadata (XML or URL);
  reads its entityID and the earliest expiry of its certificates.
- ``saml_request_remember``: an AuthnRequest id is accepted once (replay).
- ``saml_subject_for``: the person's persistent pairwise NameID on a platform
  (random, created on first use, deleted with him).
- ``saml_session_start`` / ``saml_sessions_end``: the SAML sessions single
  logout and a deactivation end; ending queues a SOAP LogoutRequest after commit
  to every provider that publishes a SOAP single-logout endpoint.
"""

import secrets
from datetime import datetime, timedelta
from functools import partial

import requests
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from saml2 import BINDING_SOAP
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

from ..models import Platform
from . import app_settings, metadata
from .models import SamlSession, SamlSubject, SeenRequest, ServiceProvider
from .tasks import saml_logout_send


def saml_metadata_fetch(*, url: str) -> str:
    """The metadata published at ``url`` (staff-given), or a French ``ValidationError``."""
    try:
        response = requests.get(url, timeout=app_settings.metadata_fetch_timeout())
        response.raise_for_status()
    except requests.RequestException as exc:
        raise ValidationError(
            _("Les métadonnées n'ont pas pu être lues à l'adresse %(url)s.") % {"url": url}
        ) from exc
    return response.text


@transaction.atomic
def saml_provider_register(
    *,
    platform: Platform,
    metadata_xml: str = "",
    metadata_url: str = "",
    name_id_format: str | None = None,
    released_attributes: list[str] | None = None,
    is_active: bool = True,
    provider: ServiceProvider | None = None,
) -> ServiceProvider:
    """Create or update the service provider described by its metadata.

    Raises ``ValidationError`` (French) for a non-centralised platform, metadata
    that is not a SAML SP description, or an entityID already registered for
    another provider. Changes nothing on error.
    """
    if not platform.is_centralised:
        raise ValidationError(
            _("La plateforme %(name)s n'est pas centralisée : elle n'utilise pas le SSO.")
            % {"name": platform.name}
        )
    if not metadata_xml and metadata_url:
        metadata_xml = saml_metadata_fetch(url=metadata_url)
    described = saml_provider_check(metadata_xml=metadata_xml, provider=provider)
    provider = provider or ServiceProvider()
    provider.platform = platform
    provider.entity_id = described.entity_id
    provider.metadata_xml = metadata_xml
    provider.metadata_url = metadata_url
    provider.certificate_expires_at = described.certificate_expires_at
    provider.is_active = is_active
    if name_id_format:
        provider.name_id_format = name_id_format
    if released_attributes is not None:
        provider.released_attributes = released_attributes
    provider.save()
    return provider


def saml_provider_check(
    *, metadata_xml: str, provider: ServiceProvider | None = None
) -> metadata.Described:
    """Validate SP metadata; raises a French ``ValidationError`` (entityID taken, unreadable)."""
    if not metadata_xml.strip():
        raise ValidationError(_("Indiquez l'adresse des métadonnées ou déposez le fichier XML."))
    described = metadata.describe(metadata_xml)
    clash = ServiceProvider.objects.filter(entity_id=described.entity_id)
    if provider is not None:
        clash = clash.exclude(pk=provider.pk)
    if clash.exists():
        raise ValidationError(
            _("Le fournisseur %(entity)s est déjà enregistré.") % {"entity": described.entity_id}
        )
    return described


def saml_request_remember(*, provider: ServiceProvider, request_id: str, now: datetime) -> bool:
    """Remember ``request_id``; False when it was already seen (a replay).

    Expired rows are purged on the way (a bounded delete on an indexed column).
    """
    SeenRequest.objects.filter(expires_at__lt=now).delete()
    expires = now + timedelta(seconds=2 * app_settings.request_max_age_seconds())
    try:
        with transaction.atomic():
            SeenRequest.objects.create(
                provider=provider, request_id=request_id, expires_at=expires
            )
    except IntegrityError:
        return False
    return True


def saml_subject_for(*, user, provider: ServiceProvider) -> str:
    """The NameID value released to ``provider`` for ``user``.

    Persistent and pairwise per platform unless the provider is configured for the
    email address.
    """
    if provider.name_id_format == NAMEID_FORMAT_EMAILADDRESS:
        return user.email
    subject = SamlSubject.objects.filter(user=user, platform_id=provider.platform_id).first()
    if subject is None:
        try:
            with transaction.atomic():
                subject = SamlSubject.objects.create(
                    user=user, platform_id=provider.platform_id, name_id=secrets.token_urlsafe(32)
                )
        except IntegrityError:  # a concurrent first sign-in created it
            subject = SamlSubject.objects.get(user=user, platform_id=provider.platform_id)
    return subject.name_id


def saml_session_start(*, user, provider: ServiceProvider, name_id: str, now: datetime) -> None:
    """Record that ``user`` holds a SAML session at ``provider`` since ``now``."""
    SamlSession.objects.create(user=user, provider=provider, name_id=name_id, started_at=now)


def saml_sessions_end(*, user_ids: list[int], except_provider_id: int | None = None) -> int:
    """End every SAML session of the given users; returns how many were ended.

    A bounded number of queries for any number of users. Each provider that
    publishes a SOAP single-logout endpoint is sent a signed LogoutRequest by a
    task queued after commit (``except_provider_id``: the provider that asked for
    the logout itself, which is answered on the front channel instead).
    """
    sessions = list(
        SamlSession.objects.filter(user_id__in=user_ids).values_list(
            "pk", "provider_id", "name_id"
        )
    )
    if not sessions:
        return 0
    soap_providers = {
        provider.pk
        for provider in ServiceProvider.objects.filter(
            pk__in={row[1] for row in sessions}, is_active=True
        )
        if metadata.slo_endpoint(provider.metadata_xml, BINDING_SOAP)
    }
    SamlSession.objects.filter(pk__in=[row[0] for row in sessions]).delete()
    for _pk, provider_id, name_id in sessions:
        if provider_id in soap_providers and provider_id != except_provider_id:
            transaction.on_commit(
                partial(
                    saml_logout_send.delay,
                    provider_id=provider_id,
                    name_id=name_id,
                )
            )
    return len(sessions)
