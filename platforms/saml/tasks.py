"""Celery task of the SAML identity provider: back-channel single logout.

``saml_logout_send`` sends one signed LogoutRequest over the SOAP binding to a
provider's single-logout endpoint (SAML 2.0 Bindings §3.2; Profiles §4.4.3.3);
idempotent for the provider (a logout of a subject already signed out is a no-op),
retried with exponential back-off.
"""

import logging

import requests
from celery import shared_task
from saml2 import BINDING_SOAP
from saml2.saml import NameID

from . import app_settings, idp, metadata
from .models import ServiceProvider

logger = logging.getLogger(__name__)


class SamlLogoutFailed(Exception):
    """The provider did not answer 200 to the SOAP LogoutRequest."""


@shared_task(bind=True, acks_late=True, max_retries=8)
def saml_logout_send(self, *, provider_id: int, name_id: str) -> str:
    provider = ServiceProvider.objects.filter(pk=provider_id, is_active=True).first()
    location = metadata.slo_endpoint(provider.metadata_xml, BINDING_SOAP) if provider else None
    if not location:
        return "skipped"
    server = idp.server()
    _request_id, request = server.create_logout_request(
        location,
        provider.entity_id,
        name_id=NameID(text=name_id, format=provider.name_id_format),
        sign=True,
    )
    # The request is already signed: the envelope only wraps it.
    info = server.apply_binding(BINDING_SOAP, str(request), location, sign=False)
    try:
        response = requests.post(
            location,
            data=info["data"],
            headers=dict(info["headers"]),
            timeout=app_settings.logout_timeout(),
        )
        if response.status_code != 200:
            raise SamlLogoutFailed(f"HTTP {response.status_code}")
    except (requests.RequestException, SamlLogoutFailed) as exc:
        logger.warning("saml logout to %s failed: %s", provider.entity_id, exc)
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc
    logger.info("saml logout sent to %s", provider.entity_id)
    return "sent"
