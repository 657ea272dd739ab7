"""Reads of the lifecycle: next steps, refusal reasons, back-office lists.

No writes here. Lists are set-based (a fixed number of queries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from accounts.models import AccountState, DeactivationReason, SuspensionReason, User

from . import app_settings, calendar, services, sweep
from .models import Notice
from .notices import french_date


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
    rows = sweep.inactivity_candidates(now=horizon).values_list(
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
        (_("Suppression définitive"), sweep.due_for_deletion),
        (_("Désactivation pour inactivité"), sweep.due_for_deactivation),
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
    ids = sweep.due_for_warning_ids(now=now, staff=True)
    return list(User.objects.filter(pk__in=ids).order_by("email"))


def sweep_preview(*, now) -> dict[str, int]:
    """What the next sweep would do, counted (dry run)."""
    return sweep.lifecycle_sweep(now=now, dry_run=True).counts()


def needs_popin(*, user: User) -> bool:
    """Whether deactivating ``user`` is confirmed by the dated pop-in (M-Gestion, M-Contributions).

    No query when a list selector annotated the flag on ``user``
    (``platforms.selectors.DEACTIVATION_POPIN_FLAG``, e.g. the member list of
    "Mon organisation"); otherwise one.
    """
    from platforms import selectors as platform_selectors

    flag = getattr(user, platform_selectors.DEACTIVATION_POPIN_FLAG, None)
    if flag is not None:
        return bool(flag)
    return platform_selectors.deactivation_popin_accesses(user=user).exists()


def deletion_date_if_deactivated(*, now) -> str:
    """ "26 mars 2027": when an account deactivated at ``now`` would be deleted."""
    return french_date(calendar.paris_date(calendar.notice_deadline(now)))


def org_deactivation_problem(*, admin: User, user: User) -> str | None:
    """Why ``admin`` (an organisation's Administrateur) may not deactivate ``user``, or None."""
    from accounts.models import Membership

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
