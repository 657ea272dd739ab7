"""The account journal: every transition, who did it, when and why.

``journal_write`` is the project's journal writer (``ACCOUNTS_JOURNAL_WRITER``);
it appends one row and never updates one. Callers run it inside their own
transaction so that a rolled-back transition leaves no row.
"""

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
