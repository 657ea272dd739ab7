"""End to end: the demo platform's receiver hears a deactivation, then the deletion.

The account centre runs on the live server; the receiver is the demo platform's
own code (``examples/demo_platform/demo_platform/ssf_receiver.py``) behind a
real HTTP server in a thread. It creates its stream through the management API
with its client-credentials token (SSF 1.0 "Creating a Stream", RFC 6749
§4.4), receives SETs by push (RFC 8935 §2), verifies each against the
published JWKS (RFC 8417, SSF 1.0 "Security Event Token Profile"), ends the
person's sessions on account-disabled (RISC 1.0 §2.3) and erases him on
account-purged (RISC 1.0 §2.2).
"""

import base64
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.utils import timezone

from accounts.models import DeactivationReason
from lifecycle.services import account_deactivate
from lifecycle.sweep import lifecycle_sweep
from platforms.models import Platform
from platforms.ssf import events, services
from platforms.sso_services import platform_login_record
from tests.lifecycle.conftest import paris

from .factories import grant, register_client, seed_platforms, verified_user
from .ssf_support import load_demo_receiver

pytestmark = pytest.mark.django_db(transaction=True)


class MemoryStore:
    """The demo platform's local copy: people by ``sub``, their open sessions."""

    def __init__(self):
        self.people: dict[str, dict] = {}
        self.jtis: set[str] = set()

    def seen(self, jti):
        return jti in self.jtis

    def remember(self, jti):
        self.jtis.add(jti)

    def end_sessions(self, sub):
        person = self.people.get(sub)
        ended, person["sessions"] = person["sessions"], 0
        return ended

    def delete_person(self, sub):
        return self.people.pop(sub, None) is not None


@pytest.fixture
def demo_receiver(live_server, settings):
    """The demo platform's receiver on http://127.0.0.1:<port>/ssf/events."""
    demo = load_demo_receiver()
    store = MemoryStore()
    receiver = demo.Receiver(store)
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            token = self.rfile.read(int(self.headers["Content-Length"])).decode()
            try:
                assert self.headers["Content-Type"] == "application/secevent+jwt"
                assert self.headers["Authorization"] == "Bearer demo-push-secret"
                jwks = requests.get(f"{live_server.url}/.well-known/jwks.json", timeout=5).json()
                claims = demo.verify_set(
                    token, jwks=jwks, issuer=live_server.url, audience=settings.DEMO_AUDIENCE
                )
            except (AssertionError, demo.InvalidSET) as exc:
                body = json.dumps({"err": "invalid_request", "description": str(exc)}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)
                return
            received.append(claims)
            receiver.handle(claims)
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield store, received, f"http://127.0.0.1:{server.server_address[1]}/ssf/events"
    server.shutdown()


def test_deactivated_then_deleted_user_is_ended_then_erased_on_the_demo_platform(
    live_server, settings, demo_receiver, time_machine
):
    seed_platforms()
    settings.IDP_OIDC_ISSUER = live_server.url
    store, received, push_url = demo_receiver
    platform = Platform.objects.get(code="mgestion-entreprise")
    time_machine.move_to(paris(2026, 3, 10, 14, 5), tick=False)
    oidc_client, secret = register_client(platform)
    settings.DEMO_AUDIENCE = oidc_client.id

    # The platform registers its stream with its own client credentials.
    basic = base64.b64encode(f"{oidc_client.id}:{secret}".encode()).decode()
    token = requests.post(
        f"{live_server.url}/identity/o/api/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=5,
    ).json()["access_token"]
    metadata = requests.get(f"{live_server.url}/.well-known/ssf-configuration", timeout=5).json()
    created = requests.post(
        metadata["configuration_endpoint"],
        json={
            "delivery": {
                "method": events.PUSH,
                "endpoint_url": push_url,
                "authorization_header": "Bearer demo-push-secret",
            },
            "events_requested": [events.ACCOUNT_DISABLED, events.ACCOUNT_PURGED],
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert created.status_code == 201, created.text

    # A person with an access who signed in there: the demo keeps a local copy.
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    platform_login_record(user=user, platform=platform, now=timezone.now())
    store.people[str(user.pk)] = {"sessions": 2}
    agent = verified_user(is_staff=True)

    account_deactivate(user=user, actor=agent, now=timezone.now(), reason=DeactivationReason.OPCO)
    services.streams_push_due(now=timezone.now())  # what the worker (or beat) does

    assert [next(iter(c["events"])) for c in received] == [events.ACCOUNT_DISABLED]
    assert store.people[str(user.pk)]["sessions"] == 0

    deletion_at = paris(2026, 3, 26, 0, 0)  # notice of 10 March: day 16 at 00:00
    time_machine.move_to(deletion_at, tick=False)
    assert lifecycle_sweep(now=deletion_at).deleted == [user.pk]
    services.streams_push_due(now=timezone.now())

    assert [next(iter(c["events"])) for c in received] == [
        events.ACCOUNT_DISABLED,
        events.ACCOUNT_PURGED,
    ]
    assert all(c["sub_id"]["sub"] == str(user.pk) for c in received)
    assert str(user.pk) not in store.people
    time_machine.move_to(deletion_at + timedelta(minutes=1), tick=False)
    assert services.streams_push_due(now=timezone.now()) == {}  # nothing left to send
