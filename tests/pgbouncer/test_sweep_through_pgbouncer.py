"""The sweep and two concurrent workers through PgBouncer in transaction pooling.

Behind a transaction pooler each transaction may run on another server
connection: session state (a session advisory lock, ``SET``, a server-side
cursor) is unreliable. The sweep must hold nothing across transactions. The
test starts Debian's ``pgbouncer`` on a loopback port in front of the machine's
PostgreSQL, with round-robin server connections (so consecutive transactions of
one client do land on different backends), and runs sweeps in separate
processes, as workers would: every due action exactly once, no sweep locked out
by a lock nobody holds, no advisory lock left behind.
"""

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import AccountState, User
from lifecycle.models import DeactivationReason, JournalEntry, Notice, Tombstone
from tests.lifecycle.conftest import paris
from tests.lifecycle.factories import UserFactory

from .support import through_pgbouncer

ROOT = Path(__file__).resolve().parents[2]
NOW = paris(2027, 6, 1, 10, 0)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PgBouncer fronts PostgreSQL (CI runs it)"
)
pytestmark = [postgres_only, pytest.mark.postgres]

SWEEP = """
import json, sys, django
django.setup()
import time_machine
from datetime import datetime
from config.celery import app
from lifecycle.sweep import lifecycle_sweep
app.conf.task_always_eager = True  # the worker sends the notices in-process
now = datetime.fromisoformat(sys.argv[1])
with time_machine.travel(now, tick=False):
    print(json.dumps(lifecycle_sweep(now=now).as_dict()))
"""


def _start_sweep(port: int, now):
    env = through_pgbouncer(port)
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", SWEEP, now.isoformat()],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process) -> dict:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _advisory_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_sweeps_and_two_concurrent_workers_through_pgbouncer_do_every_action_once(pgbouncer):
    dormant = UserFactory.create_batch(
        12, date_joined=paris(2024, 1, 1), last_activity_at=paris(2024, 1, 1)
    )
    doomed = UserFactory.create_batch(4)
    User.objects.filter(pk__in=[u.pk for u in doomed]).update(
        state=AccountState.DEACTIVATED,
        is_active=False,
        deactivation_reason=DeactivationReason.OPCO,
        state_changed_at=paris(2027, 1, 1),
        notice_sent_at=paris(2027, 1, 1),
    )

    # Two workers sweep at once: between them, every due action once.
    first, second = _start_sweep(pgbouncer, NOW), _start_sweep(pgbouncer, NOW)
    results = [_finish(first), _finish(second)]
    warned = [pk for r in results for pk in r["warned"]]
    deleted = [pk for r in results for pk in r["deleted"]]
    assert sorted(warned) == sorted(u.pk for u in dormant)
    assert sorted(deleted) == sorted(u.pk for u in doomed)
    assert JournalEntry.objects.filter(action="warned").count() == 12
    assert Notice.objects.filter(kind=Notice.Kind.WARNING).count() == 12
    assert Tombstone.objects.count() == 4
    assert _advisory_locks() == 0

    # Later sweeps, one at a time, are never locked out by a lock left behind.
    later = _finish(_start_sweep(pgbouncer, NOW + timedelta(days=17)))
    assert not later["locked_out"]
    assert sorted(later["deactivated"]) == sorted(u.pk for u in dormant)
    last = _finish(_start_sweep(pgbouncer, NOW + timedelta(days=34)))
    assert not last["locked_out"]
    assert sorted(last["deleted"]) == sorted(u.pk for u in dormant)
    assert not User.objects.filter(pk__in=[u.pk for u in dormant]).exists()
    assert _advisory_locks() == 0
