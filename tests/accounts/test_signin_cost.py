"""Cost of a password sign-in (issue 10, item 6): its queries are pinned.

``bench/bench_signin.py`` compares the time of a sign-in POST with the bare
Argon2id verification; this pins what the POST does around the hash, so that
it does not grow silently. Throttle and MFA checks are part of the count.
"""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient

from tests.platforms.factories import verified_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"
# email lookup (auth backend), MFA authenticators, session key check + insert,
# last_login, user row lock, last_activity_at, user sessions (list + insert),
# verified-email check, open proof requests; plus the savepoints of the nested
# transactions inside the sign-in's own transaction.
SIGN_IN_QUERIES = 25


def test_a_password_sign_in_costs_a_fixed_number_of_queries(django_assert_num_queries):
    user = verified_user()
    browser = HttpClient()
    browser.get("/accounts/login/")

    with django_assert_num_queries(SIGN_IN_QUERIES):
        response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" in browser.session


def test_the_failed_sign_in_throttle_still_holds_in_the_one_transaction():
    user = verified_user()
    browser = HttpClient()
    for _ in range(5):
        browser.post("/accounts/login/", {"login": user.email, "password": "wrong"})

    response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code != 302
    assert "_auth_user_id" not in browser.session


def _sign_in(user):
    browser = HttpClient()
    browser.get("/accounts/login/")
    assert (
        browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code
        == 302
    )
    return browser


def test_a_sign_in_costs_the_same_with_many_sessions_open(django_assert_num_queries):
    """allauth opened every session of the user at each sign-in (3 queries each)."""
    user = verified_user()
    for _ in range(6):
        _sign_in(user)
    browser = HttpClient()
    browser.get("/accounts/login/")

    with django_assert_num_queries(SIGN_IN_QUERIES):
        response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302


def test_a_sign_in_forgets_the_sessions_that_ended_and_keeps_the_live_ones():
    user = verified_user()
    ended = _sign_in(user)
    expired = _sign_in(user)
    live = _sign_in(user)
    Session.objects.filter(session_key=ended.session.session_key).delete()
    Session.objects.filter(session_key=expired.session.session_key).update(
        expire_date="2000-01-01T00:00:00Z"
    )

    current = _sign_in(user)

    assert set(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == {
        live.session.session_key,
        current.session.session_key,
    }
