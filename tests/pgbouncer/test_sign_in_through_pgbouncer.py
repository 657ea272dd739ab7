"""Password sign-ins through PgBouncer in transaction pooling.

The sign-in's statements are prepared on the connection (``config.db``), which a
transaction pooler does not carry from one server connection to the next: with
``DATABASE_TRANSACTION_POOLER`` set they are not prepared, and every sign-in
works; prepared behind the pooler, a later sign-in lands on a backend that never
saw the statement and fails (which is why the flag turns them off).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.platforms.factories import verified_user

from .support import through_pgbouncer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple 42"  # tests/accounts/factories.py
SIGN_INS = 8

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PgBouncer fronts PostgreSQL (CI runs it)"
)
pytestmark = [postgres_only, pytest.mark.postgres]

SIGN_IN = """
import json, sys, django
django.setup()
from django.test import Client
results = []
password, emails = sys.argv[1], sys.argv[2:]
for email in emails:
    browser = Client(raise_request_exception=False)
    browser.get("/accounts/login/")
    response = browser.post("/accounts/login/", {"login": email, "password": password})
    error = getattr(response, "exc_info", None)
    results.append([response.status_code, str(error[1]) if error else ""])
print(json.dumps(results))
"""


def _sign_in_through(port: int, emails: list[str], **environment) -> list[list]:
    """Each sign-in's status code and the error it raised, if any."""
    env = through_pgbouncer(port, **environment)
    result = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "-c", SIGN_IN, PASSWORD, *emails],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_every_sign_in_through_a_transaction_pooler_succeeds(pgbouncer):
    emails = [verified_user().email for _ in range(SIGN_INS)]

    assert _sign_in_through(pgbouncer, emails) == [[302, ""]] * SIGN_INS


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_behind_a_transaction_pooler_would_fail_a_sign_in(pgbouncer):
    """The control: what the flag prevents (the same sign-ins, statements prepared)."""
    emails = [verified_user().email for _ in range(SIGN_INS)]

    results = _sign_in_through(pgbouncer, emails, DATABASE_PREPARED_STATEMENTS="true")

    errors = [error for code, error in results if code == 500]
    assert errors
    assert all("prepared statement" in error for error in errors), errors
