"""Edges through which ``accounts`` tells the apps above it what happened.

``accounts`` never imports ``lifecycle`` or ``legal`` (dependencies point one
way). Where those apps must act on an accounts event, a setting names the
callable, imported at call time:

- ``ACCOUNTS_JOURNAL_WRITER``: ``f(*, user, actor, action, at, reason="", data=None)``
  appends a row to the account journal (lifecycle owns it). Default: no-op.
- ``ACCOUNTS_SIGNUP_TERMS_CHECK``: ``f(*, shown: str, now) -> None`` raises a
  ``ValidationError`` unless ``shown`` (the sign-up form's hidden ``cgu_version``)
  names the terms version in force at ``now`` (legal owns it). Default: no check.
"""

from django.conf import settings
from django.utils.module_loading import import_string


def _hook(name: str):
    path = getattr(settings, name, "")
    return import_string(path) if path else None


def journal(*, user, actor, action: str, at, reason: str = "", data: dict | None = None) -> None:
    """Append a journal row for ``user`` through the configured writer."""
    writer = _hook("ACCOUNTS_JOURNAL_WRITER")
    if writer is not None:
        writer(user=user, actor=actor, action=action, at=at, reason=reason, data=data or {})


def signup_terms_check(*, shown: str, now) -> None:
    """Raise ValidationError when the terms shown at sign-up are no longer in force."""
    check = _hook("ACCOUNTS_SIGNUP_TERMS_CHECK")
    if check is not None:
        check(shown=shown, now=now)
