"""Activity reported by the platforms in batches (``POST /api/v1/activity``).

``activity_report`` validates every item on its own and records the good ones
in a number of queries that does not depend on the batch size: one read of
the users named, one set-based write. A bad item (malformed, unknown subject,
instant in the future) gets its own 4xx result and changes nothing; the good
ones are kept. Replaying a batch changes nothing more: ``last_activity_at``
only moves forward.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User

from . import app_settings, hooks
from . import sso_selectors as selectors
from .models import Platform


@dataclass(frozen=True)
class ItemResult:
    index: int
    status: int
    code: str
    message: str
    sub: str | None = None

    def as_dict(self) -> dict:
        data = {"index": self.index, "status": self.status, "code": self.code}
        if self.sub is not None:
            data["sub"] = self.sub
        data["message"] = self.message
        return data


def _parse_instant(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    if instant.tzinfo is None or instant.utcoffset() is None:
        return None
    return instant


def _parse_sub(value) -> int | None:
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value) > 18:  # beyond a signed 64-bit key
        return None
    return int(value)


def activity_report(*, platform: Platform, items: list, now: datetime) -> list[ItemResult]:
    """Validate and record a batch of ``{"sub", "at"}`` items from ``platform``.

    Per item: 200 ``recorded``; 400 ``malformed`` (not an object with a string
    ``sub`` and an ISO-8601 ``at`` with an offset); 404 ``unknown_sub`` (no such
    account, or no role on this platform); 409 ``inactive_account`` (deactivated
    or suspended: a platform cannot keep such an account alive); 422
    ``future_instant`` (later than now plus the tolerated clock skew).
    Side effect: the latest instant per account goes to the bulk recorder.
    """
    results: list[ItemResult | None] = [None] * len(items)
    parsed: list[tuple[int, str, int, datetime]] = []
    latest_allowed = now + timedelta(seconds=app_settings.activity_clock_skew())
    for index, item in enumerate(items):
        sub_value = item.get("sub") if isinstance(item, dict) else None
        sub_text = sub_value if isinstance(sub_value, str) else None
        if not isinstance(item, dict) or set(item) - {"sub", "at"}:
            results[index] = ItemResult(
                index, 400, "malformed", _('Attendu : un objet {"sub", "at"}.'), sub_text
            )
            continue
        user_id = _parse_sub(sub_value)
        instant = _parse_instant(item.get("at"))
        if sub_text is None or instant is None:
            results[index] = ItemResult(
                index,
                400,
                "malformed",
                _("« sub » doit être une chaîne et « at » un instant ISO-8601 avec fuseau."),
                sub_text,
            )
            continue
        if instant > latest_allowed:
            results[index] = ItemResult(
                index, 422, "future_instant", _("L'instant est dans le futur."), sub_text
            )
            continue
        if user_id is None:
            results[index] = ItemResult(
                index, 404, "unknown_sub", _("Compte inconnu sur cette plateforme."), sub_text
            )
            continue
        parsed.append((index, sub_text, user_id, instant))

    known = {
        pk: (is_active, has_access)
        for pk, is_active, has_access in selectors.users_for_activity(
            user_ids=list({user_id for _i, _s, user_id, _at in parsed}), platform=platform
        )
    }
    latest: dict[int, datetime] = {}
    for index, sub_text, user_id, instant in parsed:
        is_active, has_access = known.get(user_id, (False, False))
        if user_id not in known or not has_access:
            results[index] = ItemResult(
                index, 404, "unknown_sub", _("Compte inconnu sur cette plateforme."), sub_text
            )
        elif not is_active:
            results[index] = ItemResult(
                index,
                409,
                "inactive_account",
                _("Compte désactivé ou suspendu : activité non prise en compte."),
                sub_text,
            )
        else:
            results[index] = ItemResult(
                index, 200, "recorded", _("Activité enregistrée."), sub_text
            )
            if user_id not in latest or latest[user_id] < instant:
                latest[user_id] = instant
    hooks.activity_record_bulk(items=latest, platform=platform)
    return [result for result in results if result is not None]


def activity_record_bulk(*, items: dict[int, datetime], platform: Platform | None = None) -> None:
    """Move ``last_activity_at`` forward for every user in ``items``, in one query.

    The whole batch travels as one JSON parameter (no limit on the number of
    SQL parameters) and a conditional ``UPDATE ... FROM`` keeps the later of
    the stored and the reported instants: concurrent reports and replays are
    safe. Used as the default ``PLATFORMS_ACTIVITY_BULK_RECORDER``.
    """
    if not items:
        return
    table = connection.ops.quote_name(User._meta.db_table)
    column = connection.ops.quote_name(User._meta.get_field("last_activity_at").column)
    pk_column = connection.ops.quote_name(User._meta.pk.column)
    if connection.vendor == "postgresql":
        payload = json.dumps([{"id": pk, "at": at.isoformat()} for pk, at in items.items()])
        sql = (
            f"UPDATE {table} AS u SET {column} = v.at "  # noqa: S608 — quoted identifiers only
            "FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, at timestamptz) "
            f"WHERE u.{pk_column} = v.id AND (u.{column} IS NULL OR u.{column} < v.at)"
        )
    elif connection.vendor == "sqlite":
        # Stored as naive UTC text in Django's format, which sorts like instants.
        payload = json.dumps(
            [[pk, connection.ops.adapt_datetimefield_value(at)] for pk, at in items.items()]
        )
        sql = (
            f"UPDATE {table} SET {column} = v.at "  # noqa: S608 — quoted identifiers only
            "FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS at "
            "FROM json_each(%s)) AS v "
            f"WHERE {table}.{pk_column} = v.id "
            f"AND ({table}.{column} IS NULL OR {table}.{column} < v.at)"
        )
    else:  # pragma: no cover — other databases: correct, not set-based
        for pk, at in items.items():
            User.objects.filter(pk=pk).filter(
                Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at)
            ).update(last_activity_at=at)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])
