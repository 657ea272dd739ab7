"""Journal rows for privacy events.

Writes through ``accounts.hooks.journal``, i.e. the writer named by the setting
``ACCOUNTS_JOURNAL_WRITER`` (lifecycle's ``journal_write`` once wired). Every
state change of this app calls ``record`` with its actor (a User, or None for
the system).
"""

from accounts import hooks


def record(*, user, actor, action: str, at, reason: str = "", data: dict | None = None) -> None:
    """Append a journal row about ``user``."""
    hooks.journal(user=user, actor=actor, action=action, at=at, reason=reason, data=data or {})
