"""Helpers of the PgBouncer tests."""

import os

from django.db import connection


def through_pgbouncer(port: int, **environment) -> dict:
    """The environment of a subprocess that uses the test database through PgBouncer
    on ``port``, as a worker behind a transaction pooler would (its flag set)."""
    settings = connection.settings_dict
    user = settings["USER"]
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{user}{password}@127.0.0.1:{port}/{settings['NAME']}",
        "DATABASE_TRANSACTION_POOLER": "true",
        **environment,
    }
