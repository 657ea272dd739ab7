"""Cost of a password sign-in (issue 10, item 6): its queries are pinned.

``bench/bench_signin.py`` compares the time of a sign-in POST with the bare
Argon2id verification; this pins what the POST does around the hash, so that
it does not grow silently. Throttle and MFA checks are part of the count.
"""

import pytest
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
