"""Demo data of the platforms app: the demo platform's single sign-on client.

Loaded by ``manage.py demo_data`` through ``DEMO_DATA_LOADERS``. Idempotent.
The demo platform (``examples/demo_platform``, http://127.0.0.1:8001) plays
M-Gestion Entreprise: its client has a fixed id and secret, known to the demo
site, and the demo organisation's administrator gets a role on it.
"""

from django.utils import timezone

from accounts.models import Membership

from .models import Access, Platform, Role
from .ssf import events as ssf_events
from .ssf.models import Stream
from .sso_services import platform_client_register

DEMO_PLATFORM_CODE = "mgestion-entreprise"
DEMO_CLIENT_ID = "demo-platform"
DEMO_CLIENT_SECRET = "demo-platform-secret-not-for-production"  # noqa: S105 — demo only
DEMO_URL = "http://127.0.0.1:8001"
DEMO_ADMIN_EMAIL = "admin@transports-demo.fr"
DEMO_SSF_AUTHORIZATION = "Bearer demo-ssf-push-secret-not-for-production"


def demo_client_register(*, platform: Platform, url: str, client_id: str, secret: str, now):
    """Register ``platform``'s OIDC client for the demo platform served at ``url``.

    The demo platform's addresses (callback, back-channel logout, third-party-initiated
    login) are fixed by examples/demo_platform; only its origin changes.
    """
    return platform_client_register(
        platform=platform,
        redirect_uris=[f"{url}/oidc/callback/"],
        post_logout_redirect_uris=[f"{url}/"],
        backchannel_logout_uri=f"{url}/backchannel-logout/",
        initiate_login_uri=f"{url}/oidc/initiate/",
        client_id=client_id,
        secret=secret,
        rotate_secret=True,
        now=now,
    )


def load(*, stdout) -> None:
    """Register the demo platform's client (with its third-party-initiated login
    address, so that "Mes services en ligne" opens it) and event stream; give the
    demo admin a role."""
    platform = Platform.objects.get(code=DEMO_PLATFORM_CODE)
    demo_client_register(
        platform=platform,
        url=DEMO_URL,
        client_id=DEMO_CLIENT_ID,
        secret=DEMO_CLIENT_SECRET,
        now=timezone.now(),
    )
    now = timezone.now()
    if not platform.url:
        Platform.objects.filter(pk=platform.pk).update(url=f"{DEMO_URL}/")
    Stream.objects.update_or_create(
        platform=platform,
        defaults={
            "delivery_method": ssf_events.PUSH,
            "endpoint_url": f"{DEMO_URL}/ssf/events",
            "authorization_header": DEMO_SSF_AUTHORIZATION,
            "updated_at": now,
        },
        create_defaults={
            "delivery_method": ssf_events.PUSH,
            "endpoint_url": f"{DEMO_URL}/ssf/events",
            "authorization_header": DEMO_SSF_AUTHORIZATION,
            "created_at": now,
            "updated_at": now,
        },
    )
    membership = (
        Membership.objects.filter(user__email=DEMO_ADMIN_EMAIL).select_related("user").first()
    )
    if membership is not None:
        Access.objects.get_or_create(
            membership=membership,
            platform=platform,
            role=Role.objects.get(code="administrateur"),
        )
    stdout.write(
        f"  Plateforme de démonstration ({platform.name}) : {DEMO_URL}/  "
        f"client_id={DEMO_CLIENT_ID} client_secret={DEMO_CLIENT_SECRET}"
    )
