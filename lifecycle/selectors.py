"""Reads of the lifecycle: next steps, refusal reasons, back-office lists.

No writes here. Lists are set-based (a fixed number of queries).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Min, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _
from django_celery_beat.models import PeriodicTask

from accounts import selectors as account_selectors
from accounts.models import AccountState, DeactivationReason, Membership, SuspensionReason, User
from platforms import selectors as platform_selectors

from . import app_settings, calendar, services
from .models import Heartbeat, JournalEntry, Notice
from .notices import french_date
from .notices import stale_pending_notices as notices_stale

# --- Who is due (set-based; the sweep walks these in chunks) ----------------------------


def subject_to_sweep():
    """Accounts the sweep may act on: not OPCO staff, not superusers."""
    return User.objects.filter(is_staff=False, is_superuser=False)


def _clock_running_before(cutoff) -> Q:
    """Accounts whose step clock started strictly before ``cutoff``."""
    running = Q(notice_failed_at__isnull=True, notice_sent_at__lt=cutoff)
    if app_settings.proceed_without_notice():
        running |= Q(notice_failed_at__lt=cutoff)
    return running


def due_for_deletion(*, now):
    """Deactivated accounts whose notice's days have passed at ``now``."""
    cutoff = calendar.notice_sent_before(now)
    return (
        subject_to_sweep()
        .filter(state=AccountState.DEACTIVATED)
        .filter(_clock_running_before(cutoff))
    )


def due_for_deactivation(*, now):
    """Warned accounts whose warning's days have passed at ``now``."""
    cutoff = calendar.notice_sent_before(now)
    return (
        subject_to_sweep().filter(state=AccountState.WARNED).filter(_clock_running_before(cutoff))
    )


def inactivity_reference():
    """The instant inactivity counts from, in SQL (as ``services.inactivity_reference``)."""
    return Greatest(
        "date_joined",
        Coalesce("last_activity_at", "date_joined"),
        Coalesce("reactivated_at", "date_joined"),
    )


def reference_of(row: dict):
    """``inactivity_reference`` of a row read with its three instants."""
    instants = (row["date_joined"], row["last_activity_at"], row["reactivated_at"])
    return max(i for i in instants if i is not None)


def inactivity_candidates(*, now, staff: bool = False):
    """Active accounts possibly due a warning (a superset, checked exactly after)."""
    before = calendar.inactive_since_at_most(now)
    if staff:
        base = User.objects.filter(Q(is_staff=True) | Q(is_superuser=True))
    else:
        base = subject_to_sweep()
    return (
        base.filter(
            state__in=[AccountState.ACTIVE, AccountState.WARNED]
            if staff
            else [AccountState.ACTIVE]
        )
        .filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lte=before))
        .filter(date_joined__lte=before)
        .filter(Q(reactivated_at__isnull=True) | Q(reactivated_at__lte=before))
    )


def _due_rows(*, now, staff: bool = False, after=None, limit: int | None = None):
    """(pk, reference) of accounts due a warning, most overdue first.

    Ordered by (reference, pk), resuming after ``after`` (a pair). Because
    ``inactivity_due`` never decreases with the reference, the exact check stops
    at the first candidate not due: every later one is not due either.
    """
    queryset = inactivity_candidates(now=now, staff=staff).annotate(_ref=inactivity_reference())
    if after is not None:
        last_ref, last_pk = after
        queryset = queryset.filter(Q(_ref__gt=last_ref) | Q(_ref=last_ref, pk__gt=last_pk))
    queryset = queryset.order_by("_ref", "pk").values_list("pk", "_ref")
    rows = []
    for pk, reference in queryset[:limit] if limit is not None else queryset:
        if calendar.inactivity_due(reference) > now:
            return rows, True
        rows.append((pk, reference))
    return rows, False


def due_for_warning_ids(*, now, staff: bool = False, limit: int | None = None) -> list[int]:
    """Ids of accounts inactive for the full period at ``now``, most overdue first."""
    if limit is not None and limit <= 0:
        return []
    rows, _end = _due_rows(now=now, staff=staff, limit=limit)
    return [pk for pk, _reference in rows]


def warnings_sent_today(*, now) -> int:
    """Inactivity warnings decided on the Paris calendar day of ``now`` (one count)."""
    day = calendar.paris_date(now)
    return JournalEntry.objects.filter(
        action="warned",
        at__gte=calendar.paris_midnight(day),
        at__lt=calendar.paris_midnight(day + timedelta(days=1)),
    ).count()


def warnings_left_today(*, now) -> int | None:
    """How many more warnings the ramp allows today (None: no ramp)."""
    per_day = app_settings.warnings_per_day()
    if per_day is None:
        return None
    return max(0, per_day - warnings_sent_today(now=now))


#: Chunks of due warnings read by one query (``warning_chunks``).
WARNING_PAGE_CHUNKS = 10


def warning_chunks(*, now, size: int):
    """Yield lists of ids due a warning, most overdue first, within today's ramp.

    The due rows are read by pages of ``WARNING_PAGE_CHUNKS`` chunks, one query
    each (plus one count under a ramp, which caps the page at what the day has
    left), resuming after the last account seen, so accounts skipped or failed
    in a chunk are not read again in the same run. Reading a page costs about
    what reading one chunk does (the candidates are sorted by their inactivity
    reference either way), so the walk costs a query per page, not per chunk.
    """
    after = None
    while True:
        limit = size * WARNING_PAGE_CHUNKS
        left = warnings_left_today(now=now)
        if left is not None:
            limit = min(limit, left)
            if limit <= 0:
                return
        rows, end = _due_rows(now=now, after=after, limit=limit)
        for start in range(0, len(rows), size):
            yield [pk for pk, _reference in rows[start : start + size]]
        if rows:
            after = (rows[-1][1], rows[-1][0])
        if end or len(rows) < limit:
            return


@dataclass(frozen=True)
class WarningBacklog:
    """Accounts overdue for a warning at ``now`` and how long the ramp takes to warn them."""

    overdue: int
    per_day: int | None
    # Paris calendar days, today included when it still has room, until the last
    # overdue account is warned; None without a ramp (the next sweep warns them all).
    days_to_drain: int | None

    def as_dict(self) -> dict:
        return {
            "overdue": self.overdue,
            "per_day": self.per_day,
            "days_to_drain": self.days_to_drain,
        }


def warning_backlog(*, now) -> WarningBacklog:
    """The warning backlog and its forecast at the ramp (LIFECYCLE_WARNINGS_PER_DAY).

    Counted in SQL for the accounts surely overdue (inactive for longer than the
    longest span of the period), checked exactly for the few days at the edge.
    Forecast: today's remaining allowance first, then ``per_day`` a day.
    """
    longest = timedelta(days=app_settings.inactivity_months() * 31 + 1)
    candidates = inactivity_candidates(now=now).annotate(_ref=inactivity_reference())
    surely = candidates.filter(_ref__lte=now - longest).count()
    edge = candidates.filter(_ref__gt=now - longest).values_list("_ref", flat=True)
    overdue = surely + sum(1 for reference in edge if calendar.inactivity_due(reference) <= now)
    per_day = app_settings.warnings_per_day()
    days = None
    if per_day and overdue:
        left_today = warnings_left_today(now=now)
        rest = max(0, overdue - left_today)
        days = (1 if left_today else 0) + math.ceil(rest / per_day)
    return WarningBacklog(overdue=overdue, per_day=per_day, days_to_drain=days)


@dataclass(frozen=True)
class NextStep:
    label: str
    due_at: datetime | None  # None: waiting (notice not accepted yet, or clock stopped)
    note: str = ""


def next_step(*, user: User) -> NextStep | None:
    """What happens next to ``user`` and when (None: nothing scheduled)."""
    if user.state == AccountState.SUSPENDED:
        return None
    if (user.is_staff or user.is_superuser) and user.state == AccountState.ACTIVE:
        return None
    if user.state == AccountState.ACTIVE:
        due = calendar.inactivity_due(services.inactivity_reference(user))
        return NextStep(label=_("Avertissement d'inactivité"), due_at=due)
    label = (
        _("Désactivation pour inactivité")
        if user.state == AccountState.WARNED
        else _("Suppression définitive")
    )
    due = services.step_deadline(user)
    if due is not None:
        return NextStep(label=label, due_at=due)
    if user.notice_failed_at is not None:
        return NextStep(label=label, due_at=None, note=_("Avis non distribué : délai arrêté."))
    return NextStep(label=label, due_at=None, note=_("Avis en cours d'envoi."))


def sign_in_refusal(*, user: User) -> dict:
    """Why ``user`` cannot sign in and whom to contact (French, for the refusal page)."""
    contact = app_settings.contact_email()
    if user.state == AccountState.SUSPENDED:
        reason = {
            SuspensionReason.CGU_BREACH: _(
                "Votre compte est suspendu pour manquement aux conditions générales d'utilisation."
            ),
            SuspensionReason.LOST_CREDENTIALS: _(
                "Votre compte est suspendu suite au signalement de la perte ou du vol de vos identifiants."
            ),
            SuspensionReason.MISSING_PROOF: _(
                "Votre compte est suspendu faute de justificatif de vos droits ou de votre délégation."
            ),
        }.get(user.suspension_reason, _("Votre compte est suspendu."))
        return {
            "title": _("Compte suspendu"),
            "reason": reason,
            "contact": _("Seul OPCO Mobilités peut lever la suspension : écrivez à %(email)s.")
            % {"email": contact},
            "contact_email": contact,
        }
    reason = {
        DeactivationReason.ORG_ADMIN: _(
            "Votre compte a été désactivé par l'administrateur de votre organisation."
        ),
        DeactivationReason.OPCO: _("Votre compte a été désactivé par OPCO Mobilités."),
        DeactivationReason.CLOSURE_REQUEST: _(
            "Votre compte a été désactivé à la suite de votre demande de clôture."
        ),
        DeactivationReason.END_OF_AUTHORITY: _(
            "Votre compte a été désactivé : vous n'êtes plus habilité pour votre organisation."
        ),
    }.get(user.deactivation_reason, _("Votre compte est désactivé."))
    if user.deactivation_reason == DeactivationReason.ORG_ADMIN:
        who = _(
            "Pour le réactiver, contactez l'administrateur de votre organisation, "
            "ou OPCO Mobilités à %(email)s."
        )
    else:
        who = _("Pour le réactiver, contactez OPCO Mobilités à %(email)s.")
    due = services.step_deadline(user)
    deletion = ""
    if due is not None:
        deletion = _("Sans réactivation, il sera supprimé définitivement le %(date)s.") % {
            "date": french_date(calendar.paris_date(due))
        }
    return {
        "title": _("Compte désactivé"),
        "reason": reason,
        "deletion": deletion,
        "contact": who % {"email": contact},
        "contact_email": contact,
    }


@dataclass(frozen=True)
class DueItem:
    step: str
    user: User
    due_at: datetime


@dataclass(frozen=True)
class DueSchedule:
    """Next steps of the sweep: overdue ones apart from those due in the coming days.

    ``overdue``: due at or before ``now`` (the sweep has not run since, or the
    account waits on something); ``upcoming``: due after ``now`` and at most
    ``days`` later. Each list holds at most ``limit`` rows, soonest first; the
    counts are exact.
    """

    overdue: list[DueItem]
    upcoming: list[DueItem]
    overdue_count: int
    upcoming_count: int


def _warning_dues(*, horizon) -> list[tuple[int, datetime]]:
    """(pk, warning due instant) of active accounts whose warning falls due by ``horizon``."""
    rows = inactivity_candidates(now=horizon).values_list(
        "pk", "date_joined", "last_activity_at", "reactivated_at"
    )
    dues = (
        (pk, calendar.inactivity_due(max(i for i in (joined, last, reactivated) if i)))
        for pk, joined, last, reactivated in rows.iterator(chunk_size=2000)
    )
    return [(pk, at) for pk, at in dues if at <= horizon]


def due_schedule(*, now, days: int = 7, limit: int = 200) -> DueSchedule:
    """What falls due before ``now + days``, overdue items in a list of their own.

    A fixed number of queries: two counts and one page per step, plus one
    scan of the inactivity candidates (set-based; no query per account).
    """
    horizon = now + timedelta(days=days)
    overdue: list[DueItem] = []
    upcoming: list[DueItem] = []
    overdue_count = upcoming_count = 0
    for label, due in (
        (_("Suppression définitive"), due_for_deletion),
        (_("Désactivation pour inactivité"), due_for_deactivation),
    ):
        late = due(now=now).count()
        overdue_count += late
        upcoming_count += due(now=horizon).count() - late
        for user in due(now=horizon).order_by("notice_sent_at")[: 2 * limit]:
            at = services.step_deadline(user)
            (overdue if at <= now else upcoming).append(DueItem(label, user, at))
    warnings = _warning_dues(horizon=horizon)
    late_warnings = sorted((at, pk) for pk, at in warnings if at <= now)[:limit]
    soon_warnings = sorted((at, pk) for pk, at in warnings if at > now)[:limit]
    overdue_count += sum(1 for _pk, at in warnings if at <= now)
    upcoming_count += sum(1 for _pk, at in warnings if at > now)
    users = User.objects.in_bulk([pk for _at, pk in late_warnings + soon_warnings])
    label = _("Avertissement d'inactivité")
    overdue += [DueItem(label, users[pk], at) for at, pk in late_warnings]
    upcoming += [DueItem(label, users[pk], at) for at, pk in soon_warnings]
    return DueSchedule(
        overdue=sorted(overdue, key=lambda item: item.due_at)[:limit],
        upcoming=sorted(upcoming, key=lambda item: item.due_at)[:limit],
        overdue_count=overdue_count,
        upcoming_count=upcoming_count,
    )


def undelivered_notices():
    """Lifecycle notices the provider refused or reported as bounced."""
    return Notice.objects.filter(status__in=[Notice.Status.REFUSED, Notice.Status.BOUNCED])


def back_office_counts(*, now, days: int = 7) -> dict[str, int]:
    """The lifecycle counts of the back-office home page."""
    schedule = due_schedule(now=now, days=days, limit=0)
    return {
        "upcoming": schedule.upcoming_count,
        "overdue": schedule.overdue_count,
        "review": review_queue().count(),
        "undelivered": undelivered_notices().count(),
    }


def review_queue():
    """Accounts whose notice could not be delivered: their clock is stopped."""
    return User.objects.filter(
        state__in=[AccountState.WARNED, AccountState.DEACTIVATED], notice_failed_at__isnull=False
    ).order_by("notice_failed_at")


def staff_inactive(*, now) -> list[User]:
    """Staff accounts inactive for the full period (never swept; reviewed by hand)."""
    ids = due_for_warning_ids(now=now, staff=True)
    return list(User.objects.filter(pk__in=ids).order_by("email"))


def sweep_preview(*, now) -> dict[str, int]:
    """What the next sweep would do, counted (as its dry run)."""
    from_notices = len(notices_stale(now=now))
    return {
        "warned": len(due_for_warning_ids(now=now, limit=warnings_left_today(now=now))),
        "deactivated": due_for_deactivation(now=now).count(),
        "deleted": due_for_deletion(now=now).count(),
        "notices_requeued": from_notices,
        "skipped": 0,
        "failed": 0,
    }


def needs_popin(*, user: User) -> bool:
    """Whether deactivating ``user`` is confirmed by the dated pop-in (M-Gestion, M-Contributions).

    No query when a list selector annotated the flag on ``user``
    (``platforms.selectors.DEACTIVATION_POPIN_FLAG``, e.g. the member list of
    "Mon organisation"); otherwise one.
    """
    flag = getattr(user, platform_selectors.DEACTIVATION_POPIN_FLAG, None)
    if flag is not None:
        return bool(flag)
    return platform_selectors.deactivation_popin_accesses(user=user).exists()


def deletion_date_if_deactivated(*, now) -> str:
    """ "26 mars 2027": when an account deactivated at ``now`` would be deleted."""
    return french_date(calendar.paris_date(calendar.notice_deadline(now)))


def org_deactivation_problem(*, admin: User, user: User) -> str | None:
    """Why ``admin`` (an organisation's Administrateur) may not deactivate ``user``, or None."""
    if admin.pk == user.pk:
        return _("Vous ne pouvez pas désactiver votre propre compte.")
    if user.state == AccountState.DEACTIVATED:
        return _("Ce compte est déjà désactivé.")
    if user.state == AccountState.SUSPENDED:
        return _("Ce compte est suspendu par OPCO Mobilités.")
    if user.is_staff:
        return _("Ce compte est celui d'un agent OPCO Mobilités.")
    administered = account_selectors.organisations_administered(user=admin).values("pk")
    if Membership.objects.filter(user=user).exclude(organisation__in=administered).exists():
        return _(
            "Cette personne travaille aussi pour une autre organisation : vous ne pouvez pas "
            "désactiver son compte. Retirez-la de votre organisation à la place."
        )
    return None


def org_reactivation_problem(*, admin: User, user: User) -> str | None:
    """Why ``admin`` may not reactivate ``user``, or None."""
    if user.state == AccountState.SUSPENDED:
        return _("Ce compte est suspendu : seule OPCO Mobilités peut lever la suspension.")
    if user.state not in (AccountState.DEACTIVATED, AccountState.WARNED):
        return _("Ce compte est déjà actif.")
    if user.state == AccountState.DEACTIVATED and user.deactivation_reason not in (
        DeactivationReason.ORG_ADMIN,
        DeactivationReason.INACTIVITY,
    ):
        return _("Ce compte a été désactivé par OPCO Mobilités : seule elle peut le réactiver.")
    return None


def background_health(*, now) -> list[dict]:
    """The background processes' last signs of life, for the back-office and /readyz.

    "worker": the heartbeat row its task writes every minute; "beat": the last time
    beat sent a periodic task (django-celery-beat's ``last_run_at``, saved every few
    minutes); "outbox": the oldest pending notice. Each is ``stale`` past
    RELIABILITY_HEARTBEAT_STALE_SECONDS (10 minutes): a stale worker or beat means
    the lifecycle (sweeps, notices) has stopped.
    """
    limit = timedelta(seconds=getattr(settings, "RELIABILITY_HEARTBEAT_STALE_SECONDS", 600))
    worker = Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    beat = PeriodicTask.objects.filter(enabled=True).aggregate(at=Max("last_run_at"))["at"]
    oldest = Notice.objects.filter(status=Notice.Status.PENDING).aggregate(at=Min("created_at"))
    pending_since = oldest["at"]
    return [
        {
            "name": "worker",
            "label": _("Worker Celery (envoi des avis, passages)"),
            "seen_at": worker,
            "stale": worker is None or now - worker > limit,
            "alarm": _("ALERTE : le worker ne répond plus, avis et passages arrêtés."),
        },
        {
            "name": "beat",
            "label": _("Planificateur (beat)"),
            "seen_at": beat,
            "stale": beat is None or now - beat > limit,
            "alarm": _("ALERTE : beat est arrêté, plus aucun passage n'est lancé."),
        },
        {
            "name": "outbox",
            "label": _("Plus ancien avis en attente d'envoi"),
            "seen_at": pending_since,
            "stale": pending_since is not None and now - pending_since > limit,
            "alarm": _("ALERTE : des avis attendent depuis plus de 10 minutes."),
        },
    ]
