"""Helpers of the Shared Signals tests: a stream, an in-process receiver, SET checks."""

import base64
import importlib.util
import json
from pathlib import Path

from django.test import Client as DjangoClient
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from platforms.ssf import events
from platforms.ssf.models import Stream

RECEIVER_URL = "http://rp.example.test/ssf/events"
ROOT = Path(__file__).resolve().parents[2]


def load_demo_receiver():
    """The demo platform's receiver module (examples/ is not a package)."""
    path = ROOT / "examples/demo_platform/demo_platform/ssf_receiver.py"
    spec = importlib.util.spec_from_file_location("demo_ssf_receiver", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_stream(platform, *, method=events.PUSH, status=Stream.Status.ENABLED, requested=None):
    now = timezone.now()
    return Stream.objects.create(
        platform=platform,
        delivery_method=method,
        endpoint_url=RECEIVER_URL if method == events.PUSH else "https://ac.test/ssf/poll",
        authorization_header="Bearer push-secret",
        events_requested=requested or [],
        status=status,
        created_at=now,
        updated_at=now,
    )


def jwks() -> dict:
    return DjangoClient().get("/.well-known/jwks.json").json()


def header(token: str) -> dict:
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def decode_set(token: str, *, audience: str, issuer: str) -> dict:
    """Validate ``token`` as an SSF SET with joserfc; return its claims.

    RFC 8417 §2.3 (``typ``), §2.2 (iss, iat, jti, events, aud); SSF 1.0: no
    ``sub``, no ``exp``; RFC 9493 §3.2.3 ``iss_sub`` subject.
    """
    assert header(token)["typ"] == "secevent+jwt"
    assert header(token)["kid"] in {key["kid"] for key in jwks()["keys"]}
    decoded = jwt.decode(token, KeySet.import_key_set(jwks()), algorithms=["RS256"])
    claims = decoded.claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        iat={"essential": True},
        jti={"essential": True},
    ).validate(claims)
    assert "sub" not in claims and "exp" not in claims
    assert isinstance(claims["events"], dict) and len(claims["events"]) == 1
    return claims


class FakeReceiver:
    """Stands in for ``requests.post``: records the SETs, answers per ``answer(now)``."""

    def __init__(self):
        self.received: list[str] = []
        self.status = 202
        self.calls = 0

    def __call__(self, url, data, headers, **kwargs):
        self.calls += 1
        assert url == RECEIVER_URL
        assert headers["Content-Type"] == "application/secevent+jwt"
        status = self.status(self) if callable(self.status) else self.status

        class Answer:
            status_code = status

            @staticmethod
            def json():
                return {"err": "invalid_request", "description": "refused"}

        if status == 202:
            self.received.append(data.decode())
        return Answer()
