"""Edges through which ``platforms`` tells ``lifecycle`` about activity.

``platforms`` never imports ``lifecycle`` (dependencies point one way). The
callables are named by settings and imported at call time:

- ``PLATFORMS_ACTIVITY_RECORDER``: ``f(*, user, at, platform=None)`` — one
  user's activity (an SSO sign-in, a refresh). The contract's
  ``lifecycle.services.activity_record``.
- ``PLATFORMS_ACTIVITY_BULK_RECORDER``: ``f(*, items, platform)`` where
  ``items`` maps user ids to the latest reported instant; must run a number of
  queries that does not grow with ``len(items)``. Defaults to the set-based
  ``platforms.activity.activity_record_bulk``.
- ``PLATFORMS_AUTHORIZE_GATES``: callables ``f(*, request, user, platform)``
  returning an ``HttpResponse`` to stop an SSO sign-in before a code is issued
  (the CGU re-acceptance gate), or None to let it go on.
"""

from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


def _hook(name: str):
    path = getattr(settings, name, "")
    return import_string(path) if path else None


def activity_record(*, user, at: datetime, platform=None) -> None:
    """Record that ``user`` was active at ``at`` (on ``platform`` when given)."""
    recorder = _hook("PLATFORMS_ACTIVITY_RECORDER")
    if recorder is not None:
        recorder(user=user, at=at, platform=platform)


def activity_record_bulk(*, items: dict[int, datetime], platform) -> None:
    """Record a batch of activity instants reported by ``platform``."""
    recorder = _hook("PLATFORMS_ACTIVITY_BULK_RECORDER")
    if recorder is not None and items:
        recorder(items=items, platform=platform)


def authorize_gates() -> list:
    """The configured gates run by the authorize endpoint, in order."""
    return [import_string(path) for path in getattr(settings, "PLATFORMS_AUTHORIZE_GATES", [])]
