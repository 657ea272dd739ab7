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

The sweep and the deletion live in ``lifecycle.sweep`` and ``lifecycle.erasure``;
they are re-exported here because the contract names them in this module.
"""

from __future__ import annotations

from functools import partial

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountState, DeactivationReason, SuspensionReason, User
from platforms.sessions import revoke_all
from platforms.ssf import events as ssf_events
from platforms.ssf.services import ssf_events_enqueue

from . import app_settings, calendar
from .journal import journal_write
from .models import Notice

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


class TransitionNotAllowed(Exception):
    """The account's current state forbids the transition (message in French)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


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
    """End every web session of ``user`` (allauth usersessions and Django sessions).

    Deletes: ``django_session`` rows of his tracked sessions and his
    ``usersessions_usersession`` rows. Returns how many sessions were ended.
    """
    from allauth.usersessions.models import UserSession

    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    if keys:
        Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def access_revoke(*, user: User) -> None:
    """Revoke every session and every OIDC token/code of ``user`` (same transaction).

    No CAEP session-revoked event: the lifecycle step that calls this sends its
    own (RISC account-disabled or account-purged), which ends sessions too.
    """
    sessions_end(user=user)
    revoke_all(user=user, signal=False)


def _enqueue_notice(notice_id: int) -> None:
    from .tasks import notice_send

    notice_send.delay(notice_id)


def notice_create(*, user: User, kind: str, step_at, now) -> Notice:
    """Write a notice to the outbox; a task sends it after commit."""
    notice = Notice.objects.create(user=user, kind=kind, step_at=step_at, created_at=now)
    transaction.on_commit(partial(_enqueue_notice, notice.pk))
    return notice


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


@transaction.atomic
def activity_record(*, user: User, at, platform=None) -> None:
    """Record activity of ``user`` at ``at`` (sign-in, SSO, platform report).

    ``last_activity_at`` only moves forward (a conditional update, safe under
    concurrency and replays). A warned account whose warning this activity makes
    unwarranted (it is within the inactivity period before the warning, or after
    it) becomes active again, journaled. It never reactivates a deactivated
    account: only a sign-in does (``account_sign_in``).
    """
    User.objects.filter(pk=user.pk).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=at)
    ).update(last_activity_at=at)
    if user.last_activity_at is None or user.last_activity_at < at:
        user.last_activity_at = at
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
    then cancels the warnings the batch makes unwarranted (``activity_record``,
    per warned account: warned accounts are few). Neither the query count nor
    the number of SQL parameters grows with the batch, only with the warned
    accounts in it.
    """
    from platforms.activity import activity_record_bulk as move_forward

    move_forward(items=items, platform=platform)
    if not items:
        return
    warned = set(User.objects.filter(state=AccountState.WARNED).values_list("pk", flat=True))
    for pk in sorted(warned.intersection(items)):
        user = User.objects.filter(pk=pk).first()
        if user is not None:
            activity_record(user=user, at=items[pk], platform=platform)


def reactivates_on_sign_in(user: User) -> bool:
    """Whether signing in makes this account active again (deactivated for inactivity)."""
    return (
        user.state == AccountState.DEACTIVATED
        and user.deactivation_reason == DeactivationReason.INACTIVITY
    )


@transaction.atomic
def account_sign_in(*, user: User, at, method: str = "password") -> bool:
    """A completed sign-in (after every stage, MFA included): activity, reactivation.

    An account deactivated for inactivity or warned becomes active and its clock
    starts over from ``at``. Returns True when the account was reactivated.
    Callers must have refused every other inactive account before.
    """
    locked = _lock(user)
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
    activity_record(user=user, at=at)
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


def lifecycle_sweep(*, now, dry_run: bool = False):
    """Run the sweep at ``now`` (see ``lifecycle.sweep.lifecycle_sweep``)."""
    from .sweep import lifecycle_sweep as run

    return run(now=now, dry_run=dry_run)


def account_delete(*, user: User, now, actor: User | None = None):
    """Delete ``user`` for good (see ``lifecycle.erasure.account_delete``)."""
    from .erasure import account_delete as run

    return run(user=user, now=now, actor=actor)
