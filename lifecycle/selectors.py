"""Reads of the lifecycle: next steps, refusal reasons, back-office lists.

No writes here. Lists are set-based (a fixed number of queries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Min
from django.utils.translation import gettext as _
from django_celery_beat.models import PeriodicTask

from accounts import selectors as account_selectors
from accounts.models import AccountState, DeactivationReason, SuspensionReason, User

from . import app_settings, calendar, services, sweep
from .models import Heartbeat, Notice
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


def due_within(*, now, days: int = 7) -> dict[str, list[tuple[User, datetime]]]:
    """Accounts whose next step falls due before ``now + days``, per step."""
    horizon = now + timedelta(days=days)
    deletion = [
        (u, services.step_deadline(u))
        for u in sweep.due_for_deletion(now=horizon).order_by("notice_sent_at")
    ]
    deactivation = [
        (u, services.step_deadline(u))
        for u in sweep.due_for_deactivation(now=horizon).order_by("notice_sent_at")
    ]
    warning_ids = sweep.due_for_warning_ids(now=horizon)
    warning = sorted(
        (
            (u, calendar.inactivity_due(services.inactivity_reference(u)))
            for u in User.objects.filter(pk__in=warning_ids)
        ),
        key=lambda pair: pair[1],
    )
    return {"warning": warning, "deactivation": deactivation, "deletion": deletion}


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
