"""The database settings production derives from the pooler flag (docs/deploy.md)."""

import json
import subprocess
import sys

import pytest

from tests.security.test_headers import ROOT, production_env

SHOW = (
    "import json; from django.conf import settings as s; d = s.DATABASES['default']; "
    "print(json.dumps([d.get('DISABLE_SERVER_SIDE_CURSORS', False), "
    "d['OPTIONS'].get('prepare_threshold'), s.DATABASE_PREPARED_STATEMENTS]))"
)


def _production_database(**environment) -> list:
    result = subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env={**production_env(), **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("pooler", "expected"),
    [
        # Behind PgBouncer in transaction pooling: no server-side cursor, nothing prepared.
        ("true", [True, None, False]),
        # Straight to PostgreSQL: psycopg may prepare (config.db asks for the sign-in's).
        ("false", [False, 5, True]),
    ],
)
def test_production_follows_the_transaction_pooler_flag(pooler, expected):
    assert _production_database(DATABASE_TRANSACTION_POOLER=pooler) == expected
