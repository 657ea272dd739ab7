"""Lifecycle transitions (DOMAIN.md "The account lifecycle"; contract of DESIGN.md).

Every public service takes keyword-only arguments and an aware ``now``, runs in
one transaction, locks the account row, checks the current state, does nothing
when the account is already in the target state, and appends a journal row.

Invariants kept here (and by the database constraints on ``accounts.User``):
- ``is_active`` is True exactly in the states active and warned;
- a step that needs a notice (warning, deactivation) writes it to the outbox in
  the same transaction; its clock (``notice_sent_at``) starts only when the mail
  provider accepted it (``lifecycle.notices``);
- deactivation and suspension revoke every session and every OIDC token at once;
- a reactivation (by an administrator, a sign-in or a lifted suspension) restarts
  the inactivity clock from that instant.

Layers (imports point one way): ``calendar`` <- ``services`` (one account) <-
``sweep`` (sets of accounts) <- ``tasks`` (Celery entry points); ``erasure``,
``notices``, ``outbox``, ``access`` and ``journal`` sit below ``services``.
The deletion is ``lifecycle.erasure.account_delete``, re-exported here.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountState, DeactivationReason, SuspensionReason, User
from config.db import prepared_cursor
from platforms.activity import activity_record_bulk as activity_move_forward
from platforms.ssf import events as ssf_events
from platforms.ssf.services import ssf_events_enqueue

from . import app_settings, calendar
from .access import access_revoke_for, sessions_end_for
from .erasure import account_delete
from .errors import TransitionNotAllowed
from .journal import journal_write, journal_write_many
from .models import ActorKind, Notice
from .outbox import notice_create

__all__ = [
    "TransitionNotAllowed",
    "account_deactivate",
    "account_delete",
    "account_reactivate",
    "account_sign_in",
    "account_suspend",
    "account_suspension_lift",
    "account_warn",
    "activity_record",
    "activity_record_bulk",
    "notice_create",
]

LIVE_STATES = (AccountState.ACTIVE, AccountState.WARNED)
STATE_FIELDS = (
    "state",
    "is_active",
    "deactivation_reason",
    "suspension_reason",
    "state_changed_at",
    "reactivated_at",
    "notice_sent_at",
    "notice_failed_at",
)


def _lock(user: User) -> User:
    """The account row, locked until the end of the transaction."""
    return User.objects.select_for_update().get(pk=user.pk)


def _copy_state(source: User, target: User) -> None:
    """Keep the caller's instance in step with what was written."""
    if source is not target:
        for field in STATE_FIELDS:
            setattr(target, field, getattr(source, field))


def _set_state(user: User, state: str, *, now, **extra) -> None:
    user.state = state
    user.is_active = state in LIVE_STATES
    user.state_changed_at = now
    user.deactivation_reason = extra.pop("deactivation_reason", "")
    user.suspension_reason = extra.pop("suspension_reason", "")
    user.notice_sent_at = None
    user.notice_failed_at = None
    if "reactivated_at" in extra:
        user.reactivated_at = extra.pop("reactivated_at")
    if extra:
        raise TypeError(f"Unknown fields: {sorted(extra)}")
    user.save(update_fields=list(STATE_FIELDS))
    # Notices not sent yet announce a step that just ended: never send them.
    Notice.objects.filter(user=user, status=Notice.Status.PENDING).update(
        status=Notice.Status.CANCELLED, claimed_until=None
    )


def sessions_end(*, user: User) -> int:
    """End every web session of ``user`` (see ``lifecycle.access.sessions_end_for``)."""
    return sessions_end_for(user_ids=[user.pk])


def access_revoke(*, user: User) -> None:
    """Revoke every session and every OIDC token/code of ``user`` (same transaction).

    No CAEP session-revoked event: the lifecycle step that calls this sends its
    own (RISC account-disabled or account-purged), which ends sessions too.
    """
    access_revoke_for(user_ids=[user.pk])


# --- Administrators' transitions ---------------------------------------------


@transaction.atomic
def account_deactivate(*, user: User, actor: User | None, now, reason: str) -> User:
    """Deactivate ``user``: no sign-in anywhere, deletion after the notice's 15 days.

    Side effects: sessions and OIDC tokens revoked; a deactivation notice in the
    outbox; a journal row. Already deactivated: nothing changes, except that a
    deactivation for inactivity taken over by an administrator (or OPCO, or a
    closure) records the new reason, so that signing in no longer reactivates it;
    its clock keeps running. A suspended account must have its suspension lifted
    first (``TransitionNotAllowed``).
    """
    reason = DeactivationReason(reason)
    locked = _lock(user)
    if locked.state == AccountState.DEACTIVATED:
        if (
            locked.deactivation_reason == DeactivationReason.INACTIVITY
            and reason != DeactivationReason.INACTIVITY
        ):
            locked.deactivation_reason = reason
            locked.save(update_fields=["deactivation_reason"])
            journal_write(
                user=locked,
                actor=actor,
                action="deactivation_reason_changed",
                at=now,
                reason=reason,
            )
        _copy_state(locked, user)
        return user
    if locked.state == AccountState.SUSPENDED:
        raise TransitionNotAllowed(
            _("Ce compte est suspendu : seule la levée de la suspension peut le modifier.")
        )
    _set_state(locked, AccountState.DEACTIVATED, now=now, deactivation_reason=reason)
    ssf_events_enqueue(
        event_type=ssf_events.ACCOUNT_DISABLED, user_ids=[locked.pk], now=now, reason=reason
    )
    access_revoke(user=locked)
    journal_write(user=locked, actor=actor, action="deactivated", at=now, reason=reason)
    notice_create(user=locked, kind=Notice.Kind.DEACTIVATION, step_at=now, now=now)
    _copy_state(locked, user)
    return user


@transaction.atomic
def account_reactivate(*, user: User, actor: User | None, now) -> User:
    """Make a deactivated (or warned) account active again; it will not be deleted.

    The inactivity clock restarts at ``now``; a notice of the ended step that was
    not sent yet is cancelled by the sending task. Active: no-op. Suspended:
    ``TransitionNotAllowed`` (only lifting the suspension reactivates it).
    """
    locked = _lock(user)
    if locked.state == AccountState.ACTIVE:
        _copy_state(locked, user)
        return user
    if locked.state == AccountState.SUSPENDED:
        raise TransitionNotAllowed(
            _("Ce compte est suspendu : seule la levée de la suspension peut le réactiver.")
        )
    previous = locked.state
    _set_state(locked, AccountState.ACTIVE, now=now, reactivated_at=now)
    if previous == AccountState.DEACTIVATED:
        ssf_events_enqueue(event_type=ssf_events.ACCOUNT_ENABLED, user_ids=[locked.pk], now=now)
    journal_write(user=locked, actor=actor, action="reactivated", at=now, data={"from": previous})
    _copy_state(locked, user)
    return user


@transaction.atomic
def account_suspend(*, user: User, actor: User | None, now, reason: str, note: str = "") -> User:
    """Suspend ``user`` (no sign-in, no deletion clock; only OPCO lifts it).

    Side effects: sessions and tokens revoked; a journal row with the note.
    A deactivation in progress is replaced by the suspension (its clock stops).
    Already suspended: the reason is updated when it differs (journaled).
    """
    reason = SuspensionReason(reason)
    locked = _lock(user)
    if locked.state == AccountState.SUSPENDED:
        if locked.suspension_reason != reason:
            locked.suspension_reason = reason
            locked.save(update_fields=["suspension_reason"])
            journal_write(
                user=locked,
                actor=actor,
                action="suspension_reason_changed",
                at=now,
                reason=reason,
                data={"note": note} if note else None,
            )
        _copy_state(locked, user)
        return user
    _set_state(locked, AccountState.SUSPENDED, now=now, suspension_reason=reason)
    ssf_events_enqueue(
        event_type=ssf_events.ACCOUNT_DISABLED, user_ids=[locked.pk], now=now, reason=reason
    )
    access_revoke(user=locked)
    journal_write(
        user=locked,
        actor=actor,
        action="suspended",
        at=now,
        reason=reason,
        data={"note": note} if note else None,
    )
    _copy_state(locked, user)
    return user


@transaction.atomic
def account_suspension_lift(*, user: User, actor: User | None, now) -> User:
    """Lift a suspension: the account is active and its inactivity clock restarts."""
    locked = _lock(user)
    if locked.state != AccountState.SUSPENDED:
        _copy_state(locked, user)
        return user
    reason = locked.suspension_reason
    _set_state(locked, AccountState.ACTIVE, now=now, reactivated_at=now)
    ssf_events_enqueue(event_type=ssf_events.ACCOUNT_ENABLED, user_ids=[locked.pk], now=now)
    journal_write(user=locked, actor=actor, action="suspension_lifted", at=now, reason=reason)
    _copy_state(locked, user)
    return user


# --- Activity and sign-in -----------------------------------------------------


def _activity_move_forward(*, user: User, at) -> None:
    """``last_activity_at`` moves forward to ``at`` (never back): one conditional UPDATE."""
    User.objects.filter(pk=user.pk).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at)
    ).update(last_activity_at=at)
    if user.last_activity_at is None or user.last_activity_at < at:
        user.last_activity_at = at


def activity_record(*, user: User, at, platform=None) -> None:
    """Record activity of ``user`` at ``at`` (sign-in, SSO, platform report).

    ``last_activity_at`` only moves forward (a conditional update, safe under
    concurrency and replays). A warned account whose warning this activity makes
    unwarranted (it is within the inactivity period before the warning, or after
    it) becomes active again, journaled. It never reactivates a deactivated
    account: only a sign-in does (``account_sign_in``). An active account (a
    token refresh, an SSO sign-in: nearly every call) costs one UPDATE and no
    transaction of its own.
    """
    if user.state == AccountState.ACTIVE and _active_activity_move_forward(user=user, at=at):
        return
    _activity_record_not_active(user=user, at=at, platform=platform)


@transaction.atomic
def _activity_record_not_active(*, user: User, at, platform) -> None:
    _activity_move_forward(user=user, at=at)
    if not User.objects.filter(pk=user.pk, state=AccountState.WARNED).exists():
        return
    locked = _lock(user)
    if locked.state != AccountState.WARNED:
        return
    if calendar.inactivity_due(at) <= locked.state_changed_at:
        return
    _set_state(locked, AccountState.ACTIVE, now=at)
    journal_write(
        user=locked,
        actor=locked,
        action="warning_cancelled",
        at=at,
        data={"platform": platform.code} if platform is not None else None,
    )
    _copy_state(locked, user)


def activity_record_bulk(*, items: dict, platform=None) -> None:
    """A platform's batch of activity (``PLATFORMS_ACTIVITY_BULK_RECORDER``).

    ``items`` maps user ids to instants. Moves ``last_activity_at`` forward for all
    of them in one set-based query (``platforms.activity.activity_record_bulk``),
    then brings back to active, in one UPDATE with one INSERT of journal rows,
    every warned account whose warning the batch makes unwarranted (as
    ``activity_record`` does for one). The query count depends neither on the
    batch size nor on the number of warned accounts in it (at most six), and no
    statement carries one parameter per item.
    """
    if not items:
        return
    activity_move_forward(items=items, platform=platform)
    warned = User.objects.filter(state=AccountState.WARNED, pk__gte=min(items), pk__lte=max(items))
    candidates = [
        pk
        for pk, changed_at in warned.values_list("pk", "state_changed_at")
        if pk in items and calendar.inactivity_due(items[pk]) > changed_at
    ]
    if candidates:
        _warnings_cancel(items=items, candidates=candidates, platform=platform)


@transaction.atomic
def _warnings_cancel(*, items: dict, candidates: list[int], platform) -> None:
    """Bring warned accounts back to active for their reported activity (set-based)."""
    # Re-read under lock: a concurrent transition of one of them wins.
    locked = [
        pk
        for pk, changed_at in User.objects.select_for_update()
        .filter(pk__in=candidates, state=AccountState.WARNED)
        .values_list("pk", "state_changed_at")
        if calendar.inactivity_due(items[pk]) > changed_at
    ]
    if not locked:
        return
    # The batch just moved last_activity_at to (at least) each reported instant.
    User.objects.filter(pk__in=locked, state=AccountState.WARNED).update(
        state=AccountState.ACTIVE,
        is_active=True,
        state_changed_at=F("last_activity_at"),
        notice_sent_at=None,
        notice_failed_at=None,
    )
    Notice.objects.filter(user_id__in=locked, status=Notice.Status.PENDING).update(
        status=Notice.Status.CANCELLED, claimed_until=None
    )
    journal_write_many(
        rows=[
            {
                "user_id": pk,
                "actor_id": pk,
                "actor_kind": ActorKind.USER,
                "action": "warning_cancelled",
                "at": items[pk],
                "data": {"platform": platform.code} if platform is not None else None,
            }
            for pk in locked
        ]
    )


def reactivates_on_sign_in(user: User) -> bool:
    """Whether signing in makes this account active again (deactivated for inactivity)."""
    return (
        user.state == AccountState.DEACTIVATED
        and user.deactivation_reason == DeactivationReason.INACTIVITY
    )


def _active_activity_move_forward(*, user: User, at, last_login=None) -> bool:
    """If ``user`` is active, move ``last_activity_at`` forward to ``at``: one UPDATE.

    The state is checked by the UPDATE itself (it locks the row), so a concurrent
    transition (warning, deactivation) either precedes it — then nothing is
    written and False is returned — or waits for its commit. ``last_login``, when
    given, is written by the same statement (a sign-in's two columns, one write).

    Every sign-in, SSO entry and token refresh runs this statement: it is written
    once as SQL (``_ACTIVE_MOVE_SQL``) rather than compiled by the ORM each time,
    which cost several times the statement itself, and prepared on PostgreSQL
    (``config.db``: one row by its key).
    """
    adapt = connection.ops.adapt_datetimefield_value
    params = [adapt(at), adapt(at)]
    if last_login is not None:
        params.append(adapt(last_login))
    params += [user.pk, AccountState.ACTIVE.value]
    with prepared_cursor() as cursor:
        cursor.execute(_ACTIVE_MOVE_SQL[last_login is not None], params)
        updated = cursor.rowcount
    if updated and (user.last_activity_at is None or user.last_activity_at < at):
        user.last_activity_at = at
    return bool(updated)


#: The UPDATE of ``_active_activity_move_forward`` (table and columns of
#: ``accounts.User``; ``tests/lifecycle/test_sign_in_write.py`` checks them against
#: the model), without and with ``last_login``.
_ACTIVE_MOVE = (
    'UPDATE "accounts_user" SET "last_activity_at" = CASE WHEN "last_activity_at" IS NULL '
    'OR "last_activity_at" < %s THEN %s ELSE "last_activity_at" END{login} '
    'WHERE "id" = %s AND "state" = %s'
)
_ACTIVE_MOVE_SQL = {
    False: _ACTIVE_MOVE.format(login=""),
    True: _ACTIVE_MOVE.format(login=', "last_login" = %s'),
}


def account_sign_in(*, user: User, at, method: str = "password") -> bool:
    """A completed sign-in (after every stage, MFA included): last login, activity, reactivation.

    Receives Django's ``user_logged_in`` (``lifecycle.signals``), which
    ``django.contrib.auth.login`` sends once every allauth stage succeeded: the
    one place a sign-in is recorded. ``last_login`` becomes ``at`` (it also
    invalidates password-reset links made before, Django's token includes it).
    An account deactivated for inactivity or warned becomes active and its clock
    starts over from ``at``. Returns True when the account was reactivated.
    Callers must have refused every other inactive account before. An account
    that is active (nearly every sign-in) costs one UPDATE for both columns and
    no transaction of its own; the others are read under lock first.
    """
    user.last_login = at
    if user.state == AccountState.ACTIVE and _active_activity_move_forward(
        user=user, at=at, last_login=at
    ):
        return False
    return _account_sign_in_locked(user=user, at=at, method=method)


@transaction.atomic
def _account_sign_in_locked(*, user: User, at, method: str) -> bool:
    locked = _lock(user)
    User.objects.filter(pk=locked.pk).update(last_login=at)
    reactivated = False
    if reactivates_on_sign_in(locked):
        _set_state(locked, AccountState.ACTIVE, now=at, reactivated_at=at)
        ssf_events_enqueue(event_type=ssf_events.ACCOUNT_ENABLED, user_ids=[locked.pk], now=at)
        journal_write(
            user=locked,
            actor=locked,
            action="reactivated_by_sign_in",
            at=at,
            data={"method": method},
        )
        reactivated = True
    _copy_state(locked, user)
    if locked.state == AccountState.WARNED:
        activity_record(user=user, at=at)  # may cancel the warning
    else:
        # The row is locked and its state known: no need to ask again.
        _activity_move_forward(user=user, at=at)
    return reactivated


# --- The system's transitions (called by the sweep) -----------------------------


def account_warn(*, user: User, now) -> bool:
    """Warn an active account that it is inactive: sign in within 15 days.

    The account stays usable. Side effects: state warned, a warning notice in the
    outbox, a journal row. Returns False (no-op) unless the account is active,
    not staff, and due a warning at ``now``. Called inside the sweep's transaction.
    """
    if user.state != AccountState.ACTIVE or user.is_staff or user.is_superuser:
        return False
    if calendar.inactivity_due(inactivity_reference(user)) > now:
        return False
    _set_state(user, AccountState.WARNED, now=now)
    journal_write(
        user=user,
        actor=None,
        action="warned",
        at=now,
        reason=DeactivationReason.INACTIVITY,
        data={"last_activity_at": inactivity_reference(user).isoformat()},
    )
    notice_create(user=user, kind=Notice.Kind.WARNING, step_at=now, now=now)
    return True


def inactivity_reference(user: User):
    """The instant inactivity counts from: the latest of activity, creation, reactivation."""
    instants = [user.date_joined, user.last_activity_at, user.reactivated_at]
    return max(i for i in instants if i is not None)


def step_clock_start(user: User, *, proceed_without_notice: bool):
    """When the current step's clock started, or None while it is stopped.

    The clock runs from the provider's acceptance of the notice; a refused or
    bounced notice stops it, unless ``proceed_without_notice`` (then it counts
    from the failure).
    """
    if user.notice_failed_at is not None:
        return user.notice_failed_at if proceed_without_notice else None
    return user.notice_sent_at


def step_deadline(user: User, *, proceed_without_notice: bool | None = None):
    """The instant the next step falls due for a warned or deactivated account, or None."""
    if user.state not in (AccountState.WARNED, AccountState.DEACTIVATED):
        return None
    if proceed_without_notice is None:
        proceed_without_notice = app_settings.proceed_without_notice()
    start = step_clock_start(user, proceed_without_notice=proceed_without_notice)
    return calendar.notice_deadline(start) if start is not None else None
