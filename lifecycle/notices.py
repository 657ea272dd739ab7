"""The notices outbox: sending lifecycle emails and recording what the provider said.

Invariants:
- a notice is sent by at most one worker at a time (a claim with an expiry, so
  that a worker killed mid-send does not lose the mail: the sweep re-queues it);
- the clock of the step (``User.notice_sent_at``) starts at the instant the
  provider accepted the notice, and only while the account is still in the step
  the notice announces; a notice of an ended step is cancelled, not sent;
- the email states the date of the next step computed from the instant it was
  composed; acceptance follows composition, so the real deadline is never
  earlier than the stated one;
- a refusal or a hard bounce stops the clock (``notice_failed_at``) and puts
  the account in the review queue.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as date_format

from accounts.emails import render_text
from accounts.models import AccountState, User

from . import app_settings, calendar
from .journal import journal_write
from .models import Notice

logger = logging.getLogger(__name__)

STEP_STATE = {
    Notice.Kind.WARNING: AccountState.WARNED,
    Notice.Kind.DEACTIVATION: AccountState.DEACTIVATED,
}


class TransientSendError(Exception):
    """The provider could not take the notice now; retry later."""


def french_date(day: date) -> str:
    """ "26 mars 2027", "1er mars 2027" (French style for the first of the month)."""
    with translation.override("fr"):
        text = date_format(day, "j F Y")
    return f"1er{text[1:]}" if day.day == 1 else text


def _step_filter(notice: Notice) -> Q:
    return Q(pk=notice.user_id, state=STEP_STATE[notice.kind], state_changed_at=notice.step_at)


def build_message(*, notice: Notice, user: User, composed_at: datetime) -> EmailMultiAlternatives:
    """The French email (text and HTML) of ``notice``, dated from ``composed_at``."""
    deadline = calendar.notice_deadline(composed_at)
    action_day = calendar.paris_date(deadline)
    context = {
        "user": user,
        "kind": notice.kind,
        "days": app_settings.notice_days(),
        "last_day": french_date(action_day - timedelta(days=1)),
        "action_day": french_date(action_day),
        "contact_email": app_settings.contact_email(),
        "login_url": app_settings.site_url() + reverse("account_login"),
        "reason": user.get_deactivation_reason_display() if user.deactivation_reason else "",
        "by_administrator": user.deactivation_reason and user.deactivation_reason != "inactivity",
    }
    base = f"lifecycle/email/{notice.kind}"
    with translation.override("fr"):
        subject = render_text(f"{base}_subject.txt", context).strip()
        text = render_text(f"{base}_message.txt", context)
        html = render_to_string(f"{base}_message.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def _refused(message) -> bool:
    status = getattr(message, "anymail_status", None)
    if status is None or not status.status:
        return False
    return bool(status.status & {"rejected", "invalid"})


def notice_deliver(*, notice_id: int, clock: Callable[[], datetime]) -> str:
    """Send one pending notice; return what happened.

    "skipped" (not pending, or another worker holds it), "cancelled" (its step
    ended), "accepted", "refused". Raises ``TransientSendError`` when the
    provider failed in a way worth retrying (the claim is released first).
    ``clock`` is called when composing and again right after the provider
    answered (the instant of acceptance).
    """
    from anymail.exceptions import AnymailError, AnymailRecipientsRefused

    now = clock()
    claimed = (
        Notice.objects.filter(pk=notice_id, status=Notice.Status.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            claimed_until=now + timedelta(seconds=app_settings.notice_claim_seconds()),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return "skipped"
    notice = Notice.objects.get(pk=notice_id)
    user = User.objects.filter(_step_filter(notice)).first()
    if user is None:
        Notice.objects.filter(pk=notice_id).update(
            status=Notice.Status.CANCELLED, claimed_until=None
        )
        return "cancelled"
    message = build_message(notice=notice, user=user, composed_at=now)
    try:
        message.send()
    except AnymailRecipientsRefused as exc:
        notice_refuse(notice_id=notice_id, at=clock(), error=str(exc))
        return "refused"
    except (AnymailError, smtplib.SMTPException, OSError) as exc:
        Notice.objects.filter(pk=notice_id).update(claimed_until=None, last_error=str(exc)[:2000])
        raise TransientSendError(str(exc)) from exc
    if _refused(message):
        notice_refuse(notice_id=notice_id, at=clock(), error="rejected by the provider")
        return "refused"
    status = getattr(message, "anymail_status", None)
    message_id = (status.message_id if status is not None else "") or ""
    notice_accept(
        notice_id=notice_id,
        at=clock(),
        message_id=str(message_id),
        stated_deadline=calendar.notice_deadline(now),
    )
    return "accepted"


@transaction.atomic
def notice_accept(*, notice_id: int, at, message_id: str = "", stated_deadline=None) -> None:
    """Record the provider's acceptance: the step's clock starts at ``at``."""
    notice = Notice.objects.select_for_update().get(pk=notice_id)
    Notice.objects.filter(pk=notice_id).update(
        status=Notice.Status.ACCEPTED,
        accepted_at=at,
        claimed_until=None,
        message_id=message_id,
        stated_deadline=stated_deadline,
    )
    started = User.objects.filter(_step_filter(notice)).update(
        notice_sent_at=at, notice_failed_at=None
    )
    if started:
        journal_write(
            user=User(pk=notice.user_id),
            actor=None,
            action="notice_accepted",
            at=at,
            data={
                "kind": notice.kind,
                "deadline": calendar.notice_deadline(at).isoformat(),
            },
        )


@transaction.atomic
def notice_refuse(*, notice_id: int, at, error: str = "", bounced: bool = False) -> None:
    """The provider refused the notice (or reported a hard bounce): stop the clock.

    The account enters the review queue (``notice_failed_at``); it is not deleted
    without that notice unless LIFECYCLE_PROCEED_WITHOUT_NOTICE.
    """
    notice = Notice.objects.select_for_update().get(pk=notice_id)
    if notice.status in (Notice.Status.REFUSED, Notice.Status.BOUNCED, Notice.Status.CANCELLED):
        return
    Notice.objects.filter(pk=notice_id).update(
        status=Notice.Status.BOUNCED if bounced else Notice.Status.REFUSED,
        failed_at=at,
        claimed_until=None,
        last_error=error[:2000],
    )
    stopped = User.objects.filter(_step_filter(notice)).update(notice_failed_at=at)
    if stopped:
        journal_write(
            user=User(pk=notice.user_id),
            actor=None,
            action="notice_bounced" if bounced else "notice_refused",
            at=at,
            data={"kind": notice.kind},
        )


def notice_bounce_record(*, message_id: str, at) -> bool:
    """A hard bounce reported by the provider's tracking webhook. True when matched."""
    if not message_id:
        return False
    notice = Notice.objects.filter(message_id=message_id).order_by("-pk").first()
    if notice is None:
        return False
    notice_refuse(notice_id=notice.pk, at=at, error="hard bounce", bounced=True)
    return True


@transaction.atomic
def notice_resend(*, user: User, actor: User, now) -> Notice | None:
    """Send the current step's notice again (review queue), e.g. after an email fix.

    Only for a warned or deactivated account whose notice failed; the clock
    restarts when the new notice is accepted. Journaled.
    """
    from .services import notice_create

    locked = User.objects.select_for_update().get(pk=user.pk)
    kind = {v: k for k, v in STEP_STATE.items()}.get(locked.state)
    if kind is None or locked.notice_failed_at is None:
        return None
    if Notice.objects.filter(
        user=locked,
        kind=kind,
        step_at=locked.state_changed_at,
        status=Notice.Status.PENDING,
    ).exists():
        return None
    journal_write(user=locked, actor=actor, action="notice_resent", at=now, data={"kind": kind})
    return notice_create(user=locked, kind=kind, step_at=locked.state_changed_at, now=now)


def stale_pending_notices(*, now) -> list[int]:
    """Pending notices no worker holds (lost task, retries exhausted, crash)."""
    return list(
        Notice.objects.filter(status=Notice.Status.PENDING, created_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
