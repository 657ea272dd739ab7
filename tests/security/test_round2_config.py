"""Second security round, configuration findings (issue 11, items 6, 8, 10, 13, 14)."""

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.http.request import HttpRequest
from django.urls import reverse

from config.keys import ensure_dev_webhook_secret
from tests.accounts.factories import UserFactory

from .test_headers import production_env

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


# --- 10. Permissions-Policy ---------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/connexion/", "/no-such-page/", "/", "/admin/", "/healthz", "/.well-known/jwks.json"]
)
def test_every_kind_of_response_carries_a_permissions_policy(client, path):
    """Pages, redirects, 404, health and API answers alike (W3C Permissions Policy)."""
    policy = client.get(path)["Permissions-Policy"]
    for feature in ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"]:
        assert feature in policy
    # WebAuthn stays usable by the site itself (staff second factor).
    assert "publickey-credentials-get=(self)" in policy


# --- 13. Request-body cap -------------------------------------------------------


@pytest.fixture
def body_never_parsed(monkeypatch):
    """Fails the test if anything parses a form or multipart body."""

    def refuse(self):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(HttpRequest, "_load_post_and_files", refuse)


def multipart(size: int) -> tuple[bytes, str]:
    boundary = "XbodyX"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"%PDF"
        + b"0" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_anonymous_oversize_multipart_is_refused_413_before_parsing(client, body_never_parsed):
    body, content_type = multipart(300 * 1024)
    response = client.post(reverse("account_login"), body, content_type=content_type)
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.text


def test_signed_in_30_mb_upload_is_refused_before_it_is_read(client, body_never_parsed):
    """The proof's 5 MB limit used to be checked after Django read all 30 MB."""
    client.force_login(UserFactory())
    response = client.generic(
        "POST",
        "/justificatifs/1/",
        b"x" * 1024,
        content_type="multipart/form-data; boundary=XbodyX",
        CONTENT_LENGTH=str(30 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "6 Mo" in response.text


def test_signed_in_body_under_the_cap_reaches_the_view(client):
    client.force_login(UserFactory())
    body, content_type = multipart(2 * 1024 * 1024)
    response = client.post("/justificatifs/999999/", body, content_type=content_type)
    assert response.status_code == 404  # the view ran: no such proof request


def test_malformed_content_length_is_refused_400(client, body_never_parsed):
    response = client.generic("POST", reverse("account_login"), b"", CONTENT_LENGTH="12abc")
    assert response.status_code == 400


def test_platform_activity_batch_is_not_capped_like_a_public_form(client):
    """The bearer API reads up to DATA_UPLOAD_MAX_MEMORY_SIZE; the token is checked first."""
    body = json.dumps([{"sub": "1", "at": "2027-01-01T00:00:00Z"}] * 8000).encode()
    assert len(body) > 256 * 1024
    response = client.post("/api/v1/activity", body, content_type="application/json")
    assert response.status_code == 401


def test_upload_settings_are_capped():
    from django.conf import settings

    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2621440
    assert settings.REQUEST_BODY_MAX_BYTES_ANONYMOUS <= 256 * 1024


# --- 14. Malformed JSON on the bounce webhook --------------------------------------


@pytest.mark.parametrize("path", ["/anymail/brevo/tracking/", "/anymail/mailjet/tracking/"])
@pytest.mark.parametrize("payload", ["{not json", '["a string, not an event"]', "42"])
def test_malformed_payload_on_the_authenticated_webhook_answers_400(
    client, settings, path, payload
):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "hook:secret-of-sixteen-chars"}
    auth = base64.b64encode(b"hook:secret-of-sixteen-chars").decode()
    response = client.post(
        path, data=payload, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {auth}"
    )
    assert response.status_code == 400


def test_malformed_payload_without_credentials_is_still_refused_as_unauthenticated(
    client, settings
):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "hook:secret-of-sixteen-chars"}
    response = client.post(
        "/anymail/brevo/tracking/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400


# --- 6. Webhook secret --------------------------------------------------------------


def _production_check(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**production_env(), **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("secret", ["", "anymail:", "anymail:short", ":nouser-but-long-enough"])
def test_production_refuses_an_empty_or_weak_webhook_secret(secret):
    result = _production_check(ANYMAIL_WEBHOOK_SECRET=secret)
    assert result.returncode != 0
    assert "ANYMAIL_WEBHOOK_SECRET" in result.stderr


def test_local_install_generates_a_webhook_secret_under_var(tmp_path):
    path = tmp_path / "var" / "anymail_webhook_secret"
    secret = ensure_dev_webhook_secret(path)
    user, _, password = secret.partition(":")
    assert user and len(password) >= 16
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_dev_webhook_secret(path) == secret  # kept across restarts


def test_local_settings_protect_the_webhook():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ANYMAIL_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.local';"
            "django.setup(); from django.conf import settings;"
            "print(settings.ANYMAIL['WEBHOOK_SECRET'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    secret = result.stdout.strip().splitlines()[-1]
    assert secret == (ROOT / "var" / "anymail_webhook_secret").read_text().strip()
    assert len(secret.partition(":")[2]) >= 16


# --- 8. demo_data refuses under production settings ------------------------------


def test_demo_data_refuses_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_data"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "production" in (result.stdout + result.stderr)
    assert "Traceback" not in result.stderr
