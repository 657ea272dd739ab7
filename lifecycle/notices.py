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
  the account in the review queue;
- exactly once as far as the provider lets us: each attempt gets its own
  Message-ID, written and committed with ``send_started_at`` before the message is
  handed over. A pending notice with ``send_started_at`` set is "in doubt" (a
  worker died between the provider's acceptance and our bookkeeping): it is not
  sent again before it is reconciled, through the provider lookup
  (``LIFECYCLE_NOTICE_PROVIDER_LOOKUP``) or a tracking event naming that
  Message-ID; with no word after ``LIFECYCLE_NOTICE_DOUBT_SECONDS`` it is sent
  again (a second mail rather than none). A reconciled acceptance is dated no
  earlier than the attempt, so the stated deadline still holds;
- the outbox dispatcher hands notices to the provider at most
  ``LIFECYCLE_NOTICE_RATE`` per second; each notice's clock starts at its own
  acceptance, so waiting in the outbox never shortens anyone's 15 days.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.module_loading import import_string

from accounts.emails import render_text
from accounts.models import AccountState, User
from accounts.typography import first_of_the_month, french_typography, french_typography_html

from . import app_settings, calendar
from .journal import journal_write
from .models import Notice, SweepLock
from .outbox import notice_create

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
        return first_of_the_month(date_format(day, "j F Y"))


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
    message = EmailMultiAlternatives(
        subject=french_typography(subject), body=french_typography(text), to=[user.email]
    )
    message.attach_alternative(french_typography_html(html), "text/html")
    return message


def _refused(message) -> bool:
    status = getattr(message, "anymail_status", None)
    if status is None or not status.status:
        return False
    return bool(status.status & {"rejected", "invalid"})


def notice_deliver(*, notice_id: int, clock: Callable[[], datetime]) -> str:
    """Send one pending notice; return what happened.

    "skipped" (not pending, or another worker holds it), "cancelled" (its step
    ended), "accepted", "refused", "reconciled" (an earlier attempt turned out to be
    accepted: nothing sent), "in_doubt" (an earlier attempt's outcome is unknown:
    nothing sent, claimed until the doubt delay ends). Raises ``TransientSendError``
    when the provider failed in a way worth retrying (the claim is released first).
    ``clock`` is called when composing and again right after the provider answered
    (the instant of acceptance).
    """
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
    if notice.send_started_at is not None:
        outcome = _reconcile(notice, now=now)
        if outcome is not None:
            return outcome
    user = User.objects.filter(_step_filter(notice)).first()
    if user is None:
        Notice.objects.filter(pk=notice_id).update(
            status=Notice.Status.CANCELLED, claimed_until=None, send_started_at=None
        )
        return "cancelled"
    message = build_message(notice=notice, user=user, composed_at=now)
    attempt_id = f"<notice.{notice.pk}.{uuid.uuid4().hex}@{app_settings.message_id_domain()}>"
    message.extra_headers["Message-ID"] = attempt_id
    # anymail passes metadata to the provider, whose tracking events carry it back.
    message.metadata = {"notice": str(notice.pk), "attempt": attempt_id}
    # Committed before the provider sees the message: a crash from here on leaves
    # the notice "in doubt", never silently re-sendable.
    Notice.objects.filter(pk=notice_id).update(send_started_at=now, attempt_message_id=attempt_id)
    try:
        message.send()
    except AnymailRecipientsRefused as exc:
        notice_refuse(notice_id=notice_id, at=clock(), error=str(exc))
        return "refused"
    except TimeoutError as exc:
        # The provider may have taken it before the connection timed out: in doubt.
        Notice.objects.filter(pk=notice_id).update(last_error=str(exc)[:2000])
        raise TransientSendError(str(exc)) from exc
    except (AnymailError, smtplib.SMTPException, OSError) as exc:
        # An error answer or a refused connection: the provider did not take it.
        Notice.objects.filter(pk=notice_id).update(
            claimed_until=None, send_started_at=None, last_error=str(exc)[:2000]
        )
        raise TransientSendError(str(exc)) from exc
    if _refused(message):
        notice_refuse(notice_id=notice_id, at=clock(), error="rejected by the provider")
        return "refused"
    status = getattr(message, "anymail_status", None)
    message_id = (status.message_id if status is not None else "") or attempt_id
    notice_accept(
        notice_id=notice_id,
        at=clock(),
        message_id=str(message_id),
        stated_deadline=calendar.notice_deadline(now),
    )
    return "accepted"


def _reconcile(notice: Notice, *, now: datetime) -> str | None:
    """Settle a notice whose last attempt has no recorded outcome; None: send it again."""
    lookup_path = app_settings.notice_provider_lookup()
    if lookup_path and notice.attempt_message_id:
        try:
            accepted_at = import_string(lookup_path)(message_id=notice.attempt_message_id)
        except LookupError:
            logger.warning("notice %s: the provider could not say", notice.pk)
        else:
            if accepted_at is None:
                logger.info("notice %s: the provider never took it, sending again", notice.pk)
                return None
            notice_accept(
                notice_id=notice.pk,
                at=max(accepted_at, notice.send_started_at),
                message_id=notice.attempt_message_id,
                stated_deadline=calendar.notice_deadline(notice.send_started_at),
            )
            return "reconciled"
    doubt_ends = notice.send_started_at + timedelta(seconds=app_settings.notice_doubt_seconds())
    if now < doubt_ends:
        Notice.objects.filter(pk=notice.pk).update(claimed_until=doubt_ends)
        return "in_doubt"
    logger.warning("notice %s: no word from the provider, sending again", notice.pk)
    return None


def notice_delivery_record(*, message_id: str, metadata: dict, at: datetime) -> bool:
    """A tracking event (queued, sent, delivered...) names a notice: settle an attempt in doubt.

    Matched by the attempt's Message-ID, or by the metadata we attached to it. True
    when a notice in doubt was recorded as accepted (dated no earlier than the attempt).
    """
    pending = Notice.objects.filter(status=Notice.Status.PENDING, send_started_at__isnull=False)
    attempt = str((metadata or {}).get("attempt") or message_id or "")
    if not attempt:
        return False
    notice = pending.filter(attempt_message_id=attempt).first()
    if notice is None:
        return False
    notice_accept(
        notice_id=notice.pk,
        at=max(at, notice.send_started_at),
        message_id=message_id or attempt,
        stated_deadline=calendar.notice_deadline(notice.send_started_at),
    )
    return True


@transaction.atomic
def notice_accept(*, notice_id: int, at, message_id: str = "", stated_deadline=None) -> None:
    """Record the provider's acceptance: the step's clock starts at ``at``."""
    notice = Notice.objects.select_for_update().get(pk=notice_id)
    if notice.status == Notice.Status.ACCEPTED:
        return  # already settled (a lookup and a tracking event may both report it)
    Notice.objects.filter(pk=notice_id).update(
        status=Notice.Status.ACCEPTED,
        accepted_at=at,
        claimed_until=None,
        send_started_at=None,
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
        send_started_at=None,
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


DISPATCH_LOCK = "notices-dispatch"


def _dispatch_lease(*, now: datetime, seconds: float) -> bool:
    """Take the dispatcher's lease (one dispatcher at a time keeps the rate global)."""
    SweepLock.objects.get_or_create(name=DISPATCH_LOCK)
    return bool(
        SweepLock.objects.filter(name=DISPATCH_LOCK)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__lt=now))
        .update(holder="dispatch", expires_at=now + timedelta(seconds=seconds))
    )


def _dispatch_release() -> None:
    SweepLock.objects.filter(name=DISPATCH_LOCK).update(holder="", expires_at=None)


def notices_dispatch(
    *,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    rate: float | None = None,
    budget_seconds: float | None = None,
    batch_size: int = 200,
) -> dict[str, int]:
    """Send the pending notices no worker holds, oldest first, at most ``rate`` per second.

    The outbox's drain (beat runs it every minute): notices queued by a sweep by the
    ten thousand, and any stranded one (lost task, killed worker, retries run out),
    go out within minutes at the provider's rate. Each run sends for at most
    ``budget_seconds`` and sees each notice once; one dispatcher at a time (a lease
    row). Returns the count of each outcome (``locked_out`` when another runs).
    """
    rate = app_settings.notice_rate() if rate is None else rate
    budget = app_settings.notice_dispatch_seconds() if budget_seconds is None else budget_seconds
    start = clock()
    counts: dict[str, int] = {}
    if not _dispatch_lease(now=start, seconds=budget + 60):
        return {"locked_out": 1}
    try:
        handed = 0
        last_pk = 0
        while True:
            now = clock()
            batch = list(
                Notice.objects.filter(
                    status=Notice.Status.PENDING, created_at__lte=now, pk__gt=last_pk
                )
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                return counts
            for notice_id in batch:
                last_pk = notice_id
                if rate > 0:
                    wait = handed / rate - (clock() - start).total_seconds()
                    if wait > 0:
                        sleep(wait)
                if (clock() - start).total_seconds() >= budget:
                    return counts
                try:
                    outcome = notice_deliver(notice_id=notice_id, clock=clock)
                except TransientSendError:
                    outcome = "transient"
                if outcome in ("accepted", "refused", "transient"):
                    handed += 1
                counts[outcome] = counts.get(outcome, 0) + 1
    finally:
        _dispatch_release()
