"""Redis stopped: signing in and signed-in pages keep working, the throttle keeps counting.

The cache is ``config.cache.DegradingRedisCache`` pointed at a port nobody listens
on (Redis stopped): every call fails at once, is logged, and is served by the
per-process fallback. tests/faults/ does the same against a real Redis stopped
mid-run.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from accounts import throttle
from config import cache as cache_module
from legal.models import CGUAcceptance
from tests.accounts.factories import MembershipFactory
from tests.legal.factories import publish
from tests.security.conftest import PASSWORD, sign_in, verified

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
WRONG = "not the right password at all"
REDIS_STOPPED = {
    "default": {
        "BACKEND": "config.cache.DegradingRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"RETRY_AFTER": 5},
    }
}


@pytest.fixture
def redis_stopped():
    with override_settings(CACHES=REDIS_STOPPED):
        caches["default"].clear()  # the per-process fallback starts empty
        cache_module._down_until.clear()  # and the outage is not known yet
        yield caches["default"]
        caches["default"].clear()


@pytest.fixture
def member(db):
    user = verified(MembershipFactory().user)
    version = publish(now=START - timedelta(days=30))
    CGUAcceptance.objects.create(user=user, version=version, accepted_at=START - timedelta(days=1))
    return user


def test_cache_calls_are_served_by_the_fallback_and_the_outage_is_logged_once(
    redis_stopped, caplog
):
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        redis_stopped.set("k", "v", 60)
        assert redis_stopped.get("k") == "v"
        assert redis_stopped.add("k", "other") is False
        assert redis_stopped.add("n", 0) is True
        assert redis_stopped.incr("n") == 1
    assert redis_stopped.redis_available() is False
    assert len([r for r in caplog.records if "Redis unavailable" in r.message]) == 1


def test_sign_in_page_and_signed_in_pages_answer_200(client, member, redis_stopped):
    with time_machine.travel(START, tick=False):
        assert client.get(reverse("account_login")).status_code == 200
        response = sign_in(client, member.email)
        assert response.status_code == 302
        assert "_auth_user_id" in client.session
        assert client.get(reverse("home")).status_code == 200


def test_cgu_gate_still_applies_from_the_per_process_timeline(client, member, redis_stopped):
    with time_machine.travel(START, tick=False):
        publish(now=START, label="Nouvelle version")
        client.force_login(member)
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("legal:cgu_gate"))


def test_throttle_refuses_the_26th_attempt_while_redis_is_stopped(
    client, member, redis_stopped, settings
):
    # The per-address count is left aside: the rule under test is the per-account one.
    settings.SECURITY_THROTTLE_ADDRESS_MAX_FAILURES = 1000
    with time_machine.travel(START, tick=False) as traveller:
        for streak in range(1, 26):
            response = sign_in(client, member.email, WRONG)
            assert "Trop de tentatives" not in response.text, streak
            traveller.shift(timedelta(seconds=throttle.delay_for(streak)))
        response = sign_in(client, member.email, PASSWORD)
    assert response.status_code == 200
    assert "au cours des dernières 24 heures" in response.text
    assert "_auth_user_id" not in client.session


def test_an_attempt_is_opened_from_the_fallback_with_the_lock_and_the_count(redis_stopped):
    """``lock_count_read`` (one pipeline when Redis answers) falls back like any call."""
    first = cache_module.lock_count_read(
        redis_stopped, lock="l", lock_timeout=15, keys=["n"], counter="n", counter_timeout=60
    )
    second = cache_module.lock_count_read(
        redis_stopped, lock="l", lock_timeout=15, keys=["n"], counter="n", counter_timeout=60
    )

    assert (first.locked, second.locked) == (True, False)
    assert (first.count, second.count) == (1, 2)
    assert second.values == {"n": 2}
