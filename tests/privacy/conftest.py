"""Fixtures of the privacy tests.

- ``journal``: every row written through ``accounts.hooks.journal`` (the
  setting-named writer), so tests can check who did what.
- the lifecycle contract: until branch ``lifecycle`` is merged, its services
  (account_deactivate, account_suspend, account_suspension_lift) are stood in
  for by minimal versions that keep ``is_active`` as the contract says; once
  merged, the real services run and the same assertions hold.
"""

import datetime as dt

import pytest

from accounts.models import User

JOURNAL: list[dict] = []


def record_journal(*, user, actor, action, at, reason="", data=None):
    JOURNAL.append(
        {"user": user, "actor": actor, "action": action, "at": at, "reason": reason, "data": data}
    )


@pytest.fixture(autouse=True)
def journal(settings):
    JOURNAL.clear()
    settings.ACCOUNTS_JOURNAL_WRITER = "tests.privacy.conftest.record_journal"
    yield JOURNAL
    JOURNAL.clear()


def journal_rows(action: str) -> list[dict]:
    return [row for row in JOURNAL if row["action"] == action]


LIFECYCLE_CALLS: list[tuple] = []


@pytest.fixture(autouse=True)
def lifecycle_contract(monkeypatch):
    from lifecycle import services
    from platforms.sessions import revoke_all

    LIFECYCLE_CALLS.clear()

    def account_deactivate(*, user, actor, now, reason):
        LIFECYCLE_CALLS.append(("deactivate", user.pk, actor, str(reason)))
        User.objects.filter(pk=user.pk).update(is_active=False)
        revoke_all(user=user)

    def account_suspend(*, user, actor, now, reason, note=""):
        LIFECYCLE_CALLS.append(("suspend", user.pk, actor, str(reason)))
        User.objects.filter(pk=user.pk).update(is_active=False)
        revoke_all(user=user)

    def account_suspension_lift(*, user, actor, now):
        LIFECYCLE_CALLS.append(("lift", user.pk, actor, ""))
        User.objects.filter(pk=user.pk).update(is_active=True)

    for name, stand_in in [
        ("account_deactivate", account_deactivate),
        ("account_suspend", account_suspend),
        ("account_suspension_lift", account_suspension_lift),
    ]:
        if not hasattr(services, name):
            monkeypatch.setattr(services, name, stand_in, raising=False)
    yield LIFECYCLE_CALLS


def paris(*args) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(*args, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def staff(db):
    from tests.accounts.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True, email="agent@opcomobilites.fr")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Each test stores uploaded proofs in a directory of its own."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT
