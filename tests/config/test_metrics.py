"""``/metrics``: Prometheus text, protected, with the product's counters and backlogs."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import override_settings
from django.utils import timezone

from accounts.models import AccountState
from config.keys import generate_private_key_pem
from lifecycle.models import Notice
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests-0123456789"


def scrape(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.content.decode()


def value(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{series} not exposed")


@override_settings(METRICS_TOKEN=TOKEN)
def test_anonymous_and_wrong_token_scrapes_are_refused(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_production_settings_refuse_anonymous_scrapes():
    """Under config.settings.production (no token set) an anonymous scrape gets 401."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "comptes.example.fr",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "CACHE_URL": "locmemcache://",
        "ANYMAIL_WEBHOOK_SECRET": "anymail:" + "w" * 24,
        "IDP_OIDC_PRIVATE_KEY": generate_private_key_pem(),
    }
    env.pop("METRICS_TOKEN", None)
    script = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/metrics', secure=True, HTTP_HOST='comptes.example.fr'); "
        "print(r.status_code)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )

    assert result.stdout.strip().splitlines()[-1] == "401", result.stderr[-2000:]


@override_settings(METRICS_TOKEN=TOKEN)
def test_sign_ins_are_counted_by_result(client, password):
    user = UserFactory()
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    before = scrape(client)
    ok0 = value(before, 'mhab_sign_ins_total{result="success"}') if "success" in before else 0
    ko0 = value(before, 'mhab_sign_ins_total{result="failure"}') if "failure" in before else 0
    client.post("/accounts/login/", {"login": user.email, "password": "wrong password 123"})
    client.post("/accounts/login/", {"login": user.email, "password": password})

    text = scrape(client)

    assert value(text, 'mhab_sign_ins_total{result="success"}') == ok0 + 1
    assert value(text, 'mhab_sign_ins_total{result="failure"}') == ko0 + 1
    assert 'mhab_http_requests_total{method="POST",status="302"}' in text


@override_settings(METRICS_TOKEN=TOKEN)
def test_backlogs_are_computed_at_scrape(client):
    now = timezone.now()
    old = now - timedelta(days=800)
    UserFactory(date_joined=old, last_activity_at=old)
    warned = UserFactory(state=AccountState.WARNED, state_changed_at=now, notice_failed_at=now)
    Notice.objects.create(user=warned, kind=Notice.Kind.WARNING, step_at=now, created_at=now)

    text = scrape(client)

    assert value(text, 'mhab_lifecycle_due{step="warning"}') == 1
    assert value(text, "mhab_review_queue") == 1
    assert value(text, 'mhab_notices{status="pending"}') == 1
    assert value(text, 'mhab_notices{status="bounced"}') == 0


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_sweep_task_actions_are_summed_per_step(client):
    from lifecycle.tasks import lifecycle_sweep_task

    now = timezone.now()
    old = now - timedelta(days=800)
    UserFactory(date_joined=old, last_activity_at=old)
    UserFactory(date_joined=old, last_activity_at=old)

    lifecycle_sweep_task.apply()

    text = scrape(client)
    assert value(text, 'mhab_lifecycle_sweep_actions_total{step="warned"}') == 2
    assert value(text, 'mhab_lifecycle_sweep_actions_total{step="deleted"}') == 0


@override_settings(METRICS_TOKEN=TOKEN)
def test_shared_signals_events_not_delivered_yet_are_exposed(client):
    from platforms.models import Platform
    from platforms.ssf.models import StreamEvent
    from tests.platforms.ssf_support import make_stream

    stream = make_stream(Platform.objects.filter(is_centralised=True).first())
    now = timezone.now()

    def event(jti, **done):
        StreamEvent.objects.create(
            stream=stream,
            jti=jti,
            event_type="https://schemas.openid.net/secevent/caep/event-type/session-revoked",
            subject="1",
            payload={},
            created_at=now,
            **done,
        )

    event("pending-1")
    event("pending-2")
    event("delivered", delivered_at=now)
    event("refused", rejected_at=now)

    assert value(scrape(client), "mhab_event_deliveries_pending") == 2
