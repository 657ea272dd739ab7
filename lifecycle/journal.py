"""The account journal: every transition, who did it, when and why.

``journal_write`` is the project's journal writer (``ACCOUNTS_JOURNAL_WRITER``);
it appends one row and never updates one. Callers run it inside their own
transaction so that a rolled-back transition leaves no row.
"""

from .bulk import rows_insert_for_users
from .models import ActorKind, JournalEntry


def actor_kind_for(*, user, actor) -> str:
    """System when no actor; the user himself; an OPCO agent (staff); else an org admin."""
    if actor is None:
        return ActorKind.SYSTEM
    if user is not None and actor.pk == user.pk:
        return ActorKind.USER
    if actor.is_staff:
        return ActorKind.OPCO
    return ActorKind.ORG_ADMIN


def journal_write(*, user, actor, action: str, at, reason: str = "", data=None) -> JournalEntry:
    """Append a journal row about ``user``. Side effect: one INSERT."""
    return JournalEntry.objects.create(
        user=user,
        actor=actor,
        actor_kind=actor_kind_for(user=user, actor=actor),
        action=action,
        reason=reason or "",
        at=at,
        data=data or {},
    )


def _kind_for_ids(*, user_id: int, actor) -> str:
    if actor is None:
        return ActorKind.SYSTEM
    if actor.pk == user_id:
        return ActorKind.USER
    return ActorKind.OPCO if actor.is_staff else ActorKind.ORG_ADMIN


def journal_write_many(*, rows: list[dict]) -> list[JournalEntry]:
    """Append many journal rows in one INSERT (sets of accounts).

    Each row holds ``user_id``, ``action``, ``at`` and optionally ``reason``,
    ``data``, and either ``actor`` (a User or None: the system) or ``actor_id``
    with its ``actor_kind``.
    """
    entries = []
    for row in rows:
        actor = row.get("actor")
        actor_id = row.get("actor_id", actor.pk if actor is not None else None)
        entries.append(
            JournalEntry(
                user_id=row["user_id"],
                actor_id=actor_id,
                actor_kind=row.get("actor_kind")
                or _kind_for_ids(user_id=row["user_id"], actor=actor),
                action=row["action"],
                reason=row.get("reason") or "",
                at=row["at"],
                data=row.get("data") or {},
            )
        )
    return JournalEntry.objects.bulk_create(entries)


def journal_write_system(
    *, user_ids: list[int], action: str, at, reason: str = "", data: list[dict] | None = None
) -> int:
    """Append one journal row per account, done by the system (the sweep), in one INSERT.

    ``data``: one dict per account (same order), or none. No Python object per row
    (``lifecycle.bulk``). Returns how many rows were written.
    """
    return rows_insert_for_users(
        JournalEntry,
        user_ids=user_ids,
        values={
            "actor_id": None,
            "actor_kind": ActorKind.SYSTEM,
            "action": action,
            "reason": reason,
            "at": at,
            "data": {},
        },
        per_row={"data": data} if data is not None else None,
    )
