"""/healthz (liveness) answers without touching a dependency; /readyz reports each one."""

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from config import health
from config.celery import app
from lifecycle.models import Heartbeat
from tests.accounts.factories import UserFactory, with_second_factor

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "config.cache.DegradingRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"RETRY_AFTER": 60},
    }
}


def _broken_cursor():
    raise DatabaseError("connection refused")


def test_healthz_answers_200_while_every_dependency_is_dead(client, monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(health.connection, "cursor", _broken_cursor)
    with override_settings(CACHES=DEAD_REDIS):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_runs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


def test_readyz_is_ok_when_everything_answers(client):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert (body["database"], body["cache"], body["broker"]) == (True, True, True)
    assert body["heartbeats"]["worker"]["stale"] is False


def test_readyz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    monkeypatch.setattr(health.connection, "cursor", _broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_readyz_reports_a_dead_broker_and_cache_as_degraded_not_down(client, monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    with override_settings(CACHES=DEAD_REDIS):
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert (body["database"], body["cache"], body["broker"]) == (True, False, False)


def test_readyz_flags_a_worker_silent_for_more_than_ten_minutes(client):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(minutes=11))
    body = client.get("/readyz").json()
    assert body["status"] == "degraded"
    assert body["heartbeats"]["worker"]["stale"] is True


def test_health_pages_are_never_cached_and_need_no_sign_in(client):
    for url in ("/healthz", "/readyz"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"]


def test_lifecycle_dashboard_raises_the_alarm_when_beat_is_dead(client):
    agent = with_second_factor(UserFactory(is_staff=True, is_superuser=True))
    client.force_login(agent)
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    response = client.get(reverse("admin:lifecycle_dashboard"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "beat est arrêté" in text
    assert "le worker ne répond plus" not in text
