"""Celery tasks of the platforms app.

- ``send_backchannel_logout``: delivers one logout token to one platform;
  idempotent for the platform (same ``jti`` on every attempt), retried with
  exponential back-off, every outcome logged.
- ``oidc_cleartokens``: purges expired OIDC tokens (beat, hourly).
"""

import logging

import requests
from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from . import app_settings
from .logout import logout_token_encode
from .models import Platform
from .saml.tasks import saml_logout_send  # noqa: F401 — registered with the platforms' tasks

logger = logging.getLogger(__name__)


class BackchannelLogoutFailed(Exception):
    """The platform did not answer 200/204 to a logout token."""


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_backchannel_logout(self, *, platform_id: int, sub: str, jti: str) -> str:
    """POST a logout token for ``sub`` to the platform's ``backchannel_logout_uri``."""
    platform = Platform.objects.select_related("oidc_client").filter(pk=platform_id).first()
    if platform is None or not platform.backchannel_logout_uri or platform.oidc_client is None:
        logger.info("backchannel logout skipped: platform %s has no endpoint", platform_id)
        return "skipped"
    token = logout_token_encode(
        client_id=platform.oidc_client_id, sub=sub, jti=jti, now=timezone.now()
    )
    log_extra = {
        "platform": platform.code,
        "sub": sub,
        "jti": jti,
        "attempt": self.request.retries,
    }
    try:
        response = requests.post(
            platform.backchannel_logout_uri,
            data={"logout_token": token},
            headers={"Cache-Control": "no-store"},
            timeout=app_settings.backchannel_logout_timeout(),
            allow_redirects=False,
        )
        if response.status_code not in (200, 204):
            raise BackchannelLogoutFailed(f"HTTP {response.status_code}")
    except (requests.RequestException, BackchannelLogoutFailed) as exc:
        if self.request.retries >= app_settings.backchannel_logout_max_retries():
            logger.error(
                "backchannel logout to %s gave up: %s", platform.code, exc, extra=log_extra
            )
            return "failed"
        logger.warning(
            "backchannel logout to %s failed, will retry: %s", platform.code, exc, extra=log_extra
        )
        raise self.retry(exc=exc, countdown=min(15 * 2**self.request.retries, 900)) from exc
    logger.info("backchannel logout delivered to %s", platform.code, extra=log_extra)
    return "delivered"


@shared_task
def oidc_cleartokens() -> None:
    """Delete expired access tokens, refresh tokens and codes (allauth's command)."""
    call_command("oidc_cleartokens")
