"""The sweep's row writer: one INSERT for a chunk, each row as bulk_create would write it."""

import pytest

from lifecycle.bulk import rows_insert_for_users
from lifecycle.journal import journal_write_system
from lifecycle.models import ActorKind, JournalEntry, Notice
from lifecycle.outbox import notices_create

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db

AT = paris(2027, 6, 1, 10, 0)


def test_a_chunks_notices_are_pending_with_every_default_of_the_model(
    django_capture_on_commit_callbacks,
):
    users = [UserFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks():
        assert (
            notices_create(user_ids=[u.pk for u in users], kind="warning", step_at=AT, now=AT) == 3
        )
    rows = list(Notice.objects.order_by("user_id").values())
    assert [row["user_id"] for row in rows] == sorted(u.pk for u in users)
    for row in rows:
        assert row["kind"] == "warning"
        assert row["status"] == Notice.Status.PENDING
        assert row["step_at"] == AT and row["created_at"] == AT
        assert row["attempts"] == 0 and row["claimed_until"] is None
        assert row["message_id"] == "" and row["last_error"] == ""


def test_journal_rows_of_a_chunk_carry_each_accounts_own_data():
    users = [UserFactory() for _ in range(3)]
    data = [{"last_activity_at": f"2025-0{n + 1}-01T00:00:00+00:00"} for n in range(3)]
    journal_write_system(
        user_ids=[u.pk for u in users], action="warned", at=AT, reason="inactivity", data=data
    )
    entries = {e.user_id: e for e in JournalEntry.objects.all()}
    for user, expected in zip(users, data, strict=True):
        entry = entries[user.pk]
        assert entry.data == expected
        assert (entry.action, entry.reason, entry.at) == ("warned", "inactivity", AT)
        assert entry.actor_id is None and entry.actor_kind == ActorKind.SYSTEM


def test_one_value_per_account_or_nothing_is_written():
    users = [UserFactory() for _ in range(2)]
    with pytest.raises(ValueError, match="one value per user id"):
        rows_insert_for_users(
            JournalEntry,
            user_ids=[u.pk for u in users],
            values={"action": "warned", "at": AT, "actor_kind": ActorKind.SYSTEM},
            per_row={"data": [{}]},
        )
    assert not JournalEntry.objects.exists()
