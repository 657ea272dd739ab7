"""Cost of a password sign-in (issue 10, item 6): its queries are pinned.

``bench/bench_signin.py`` compares the time of a sign-in POST with the bare
Argon2id verification; this pins what the POST does around the hash, so that
it does not grow silently. Throttle and MFA checks are part of the count.
"""

import re

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.backends.base import CreateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import sessions, signals
from accounts.sessions import SessionStore
from config import cache as cache_layer
from tests.platforms.factories import verified_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"
# The sign-in's transaction (its savepoint and release in the test's own
# transaction) holding three statements on PostgreSQL: the address with its account
# and "second factor?" (one SELECT, accounts.auth_backends); last login and activity
# (one UPDATE that checks the account is active: no row lock); the session row with
# its user-session row (one INSERT ... WITH, accounts.sessions; two INSERTs on
# SQLite, which has no INSERT in WITH). The session middleware then writes nothing.
# 6 on PostgreSQL before (the user-session INSERT apart); 13 before that
# (verified-email and MFA re-reads, last_login apart, a purge of earlier user
# sessions, open proof requests, the session row in a transaction of its own); 25
# before that.
SIGN_IN_QUERIES = 5 if connection.vendor == "postgresql" else 6


def test_a_password_sign_in_costs_a_fixed_number_of_queries(django_assert_num_queries):
    user = verified_user()
    browser = HttpClient()
    browser.get("/accounts/login/")

    with django_assert_num_queries(SIGN_IN_QUERIES):
        response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" in browser.session


#: Cache round trips of a right password (Redis in production, one network round
#: trip each): the throttle opening the attempt (the address's attempt counted, the
#: login's lock taken, both failure counts read: one pipeline,
#: ``config.cache.lock_count_read``), its unlock (nothing written with no streak),
#: and the user-session "touched" mark. 8 before (allauth's own per-address
#: ``login`` limit took 4 round trips of its own, the throttle's lock and read 2);
#: 34 before that (allauth's ``login_failed`` counted the same failure in three
#: rates, consumed then rolled back).
SIGN_IN_CACHE_CALLS = 3
CACHE_METHODS = ("add", "get", "set", "delete", "get_many", "set_many", "delete_many", "incr")


@pytest.fixture
def cache_calls(monkeypatch):
    """The names of the default cache's methods called, in order: one per round trip
    to Redis (a ``get_many`` is one MGET, even where the local cache loops on ``get``;
    ``config.cache.lock_count_read`` is one pipeline, even where the local cache
    makes its calls one by one)."""
    from django.core.cache import caches

    backend = caches["default"]
    calls = []
    depth = [0]

    def counting(name, method):
        def counted(*args, **kwargs):
            if not depth[0]:
                calls.append(name)
            depth[0] += 1
            try:
                return method(*args, **kwargs)
            finally:
                depth[0] -= 1

        return counted

    for name in CACHE_METHODS:
        monkeypatch.setattr(backend, name, counting(name, getattr(backend, name)))
    monkeypatch.setattr(
        cache_layer, "lock_count_read", counting("lock_count_read", cache_layer.lock_count_read)
    )
    return calls


def test_a_password_sign_in_costs_a_fixed_number_of_cache_round_trips(cache_calls):
    user = verified_user()
    browser = HttpClient()
    browser.get("/accounts/login/")
    cache_calls.clear()

    response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert len(cache_calls) == SIGN_IN_CACHE_CALLS, " ".join(cache_calls)


def test_the_failed_sign_in_throttle_still_holds_in_the_one_transaction():
    user = verified_user()
    browser = HttpClient()
    for _ in range(5):
        browser.post("/accounts/login/", {"login": user.email, "password": "wrong"})

    response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code != 302
    assert "_auth_user_id" not in browser.session


def _sign_in(browser, user):
    browser.get("/accounts/login/")
    response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser.session.session_key


def test_a_sign_in_leaves_one_session_row_and_its_user_session_revocable():
    """The session row is written once, at the end of the sign-in, under the key its
    user-session row names: revoking the user's sessions ends it."""
    user = verified_user()
    browser = HttpClient()

    key = _sign_in(browser, user)

    assert Session.objects.filter(session_key=key).count() == 1
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        key
    ]
    assert browser.get("/").status_code == 200
    signals.end_sessions_and_tokens(user=user)
    assert not Session.objects.filter(session_key=key).exists()
    response = browser.get("/")
    assert response.status_code == 302  # signed out: back to the sign-in page
    assert "/accounts/login/" in response["Location"]


def test_the_first_page_after_a_sign_in_does_not_write_the_user_session_again():
    user = verified_user()
    browser = HttpClient()
    _sign_in(browser, user)

    with CaptureQueriesContext(connection) as queries:
        browser.get("/")

    writes = [q["sql"] for q in queries if "usersessions_usersession" in q["sql"]]
    assert not writes


def test_a_new_session_is_one_insert_and_a_drawn_duplicate_key_never_takes_over(monkeypatch):
    """No existence query before the INSERT: the INSERT itself refuses a key in use."""
    taken = SessionStore()
    taken["owner"] = "someone else"
    taken.create()
    keys = iter([taken.session_key, "a" * 32])
    monkeypatch.setattr(sessions, "_new_key", lambda: next(keys))
    store = SessionStore()
    store["owner"] = "me"

    with CaptureQueriesContext(connection) as queries:
        store.save()

    assert store.session_key == "a" * 32
    assert SessionStore(taken.session_key).load() == {"owner": "someone else"}
    assert not [q for q in queries if q["sql"].startswith("SELECT")]


def test_a_sign_in_key_that_is_taken_fails_the_save_rather_than_change_under_its_user_session(
    monkeypatch,
):
    """The key ``cycle_key`` drew is named by the sign-in's user-session row: never redrawn."""
    taken = SessionStore()
    taken["owner"] = "someone else"
    taken.create()
    store = SessionStore()
    store["owner"] = "me"
    monkeypatch.setattr(sessions, "_new_key", lambda: taken.session_key)
    store.cycle_key()
    store.usersession_pending = (verified_user().pk, "127.0.0.1", "Firefox", timezone.now())

    with pytest.raises(CreateError):
        store.save()

    assert SessionStore(taken.session_key).load() == {"owner": "someone else"}
    # ... and the sign-in's user-session row, written only with its session row, is not.
    assert not UserSession.objects.filter(session_key=taken.session_key).exists()


def test_the_session_row_commits_with_the_sign_in_and_the_middleware_writes_nothing_more():
    user = verified_user()
    browser = HttpClient()
    browser.get("/accounts/login/")

    with CaptureQueriesContext(connection) as queries:
        browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    statements = [q["sql"] for q in queries]
    session_writes = [n for n, sql in enumerate(statements) if "django_session" in sql]
    assert len(session_writes) == 1
    assert statements[session_writes[0]].startswith(("INSERT", "WITH"))
    # Inside the sign-in's transaction (a savepoint in the test's): before its release.
    assert session_writes[0] < len(statements) - 1
    assert statements[-1].startswith("RELEASE")
    assert Session.objects.filter(session_key=browser.session.session_key).exists()


def test_a_second_save_of_unchanged_data_writes_nothing_and_a_change_is_written():
    store = SessionStore()
    store["owner"] = "me"
    store.save()

    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert not queries

    store["seen"] = 1
    store.save()
    assert SessionStore(store.session_key).load() == {"owner": "me", "seen": 1}


def _sign_in_new(user):
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
        _sign_in_new(user)
    browser = HttpClient()
    browser.get("/accounts/login/")

    with django_assert_num_queries(SIGN_IN_QUERIES):
        response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302


def test_the_user_session_inserts_name_every_column_of_the_model():
    """Both statements (alone, and with the session row on PostgreSQL) name every
    column of allauth's model, and the combined one holds the session INSERT itself."""
    table = UserSession._meta.db_table
    columns = {field.column for field in UserSession._meta.concrete_fields} - {"id"}
    for statement in (sessions._USERSESSION_INSERT, sessions._SESSION_INSERT_WITH_USERSESSION):
        insert = statement[statement.index(f'INSERT INTO "{table}"') :]
        named = set(re.findall(r'"(\w+)"', insert.split(")")[0])) - {table}
        assert named == columns
    assert sessions._SESSION_INSERT in sessions._SESSION_INSERT_WITH_USERSESSION


def test_a_sign_in_records_the_address_and_browser_of_its_session():
    user = verified_user()
    browser = HttpClient(
        REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="Mozilla/5.0 (X11) Firefox/140"
    )

    key = _sign_in(browser, user)

    row = UserSession.objects.get(session_key=key)
    assert (row.user, row.ip, row.user_agent) == (
        user,
        "198.51.100.7",
        "Mozilla/5.0 (X11) Firefox/140",
    )
    assert row.data == {}
    assert row.created_at == row.last_seen_at


def _prepared_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
@pytest.mark.parametrize("prepared", [True, False])
def test_the_sign_in_statements_are_prepared_unless_a_pooler_forbids_it(settings, prepared):
    """On PostgreSQL the lookup, the activity UPDATE and the session INSERT are prepared
    on the connection (``config.db``), so a second sign-in is not planned again;
    with ``DATABASE_PREPARED_STATEMENTS`` off (behind a transaction pooler) none is."""
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    for _ in range(2):
        browser = HttpClient()
        browser.get("/accounts/login/")
        user = verified_user()
        response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302

    statements = _prepared_statements()

    signs = ('FROM "account_emailaddress" a JOIN', 'UPDATE "accounts_user" SET "last_activity_at"')
    signs += ('INSERT INTO "django_session"',)
    found = [any(sign in statement for statement in statements) for sign in signs]
    assert found == [prepared] * 3, statements
