"""Fixtures of the privacy tests (the real lifecycle services and journal run)."""

import datetime as dt

import pytest


def journal_rows(action: str) -> list[dict]:
    """The account journal's rows for ``action``, oldest first."""
    from lifecycle.models import JournalEntry

    return [
        {"user": e.user, "actor": e.actor, "reason": e.reason, "data": e.data, "at": e.at}
        for e in JournalEntry.objects.filter(action=action)
        .select_related("user", "actor")
        .order_by("pk")
    ]


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
