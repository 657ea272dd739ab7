"""Random sequences of time jumps, sweeps, sign-ins, admin actions and mail failures,
checked after each step against a small model of DOMAIN.md's lifecycle.

What the model guarantees, step by step: no deletion before its deadline, no
action twice (one mail per step), no step skipped, no mail lost, and a hard
bounce arriving after the provider accepted the notice stops the clock.

The model does its own date arithmetic (``Model.notice_deadline``,
``Model.inactivity_due``): it checks ``lifecycle.calendar`` and must not use it.
"""

import calendar as stdlib_calendar
import smtplib
from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from anymail.exceptions import AnymailRecipientsRefused
from django.core import mail
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from accounts.models import User
from lifecycle import services
from lifecycle.models import DeactivationReason, Notice, SuspensionReason
from lifecycle.notices import notice_bounce_record, notice_resend
from lifecycle.sweep import lifecycle_sweep

from .conftest import paris
from .factories import UserFactory

START = paris(2025, 1, 1, 9, 0)
JUMPS = st.one_of(
    st.sampled_from(
        [
            timedelta(minutes=1),
            timedelta(hours=1),
            timedelta(days=1),
            timedelta(days=15),
            timedelta(days=16),
            timedelta(days=365),
            timedelta(days=730),
        ]
    ),
    st.integers(min_value=1, max_value=60 * 24 * 40).map(lambda m: timedelta(minutes=m)),
)


PARIS = ZoneInfo("Europe/Paris")


class Model:
    """DOMAIN.md's lifecycle for one account, independent of the implementation."""

    @staticmethod
    def notice_deadline(accepted: datetime) -> datetime:
        """00:00 Europe/Paris starting day 16, day 1 being the Paris day after acceptance."""
        day = accepted.astimezone(PARIS).date() + timedelta(days=16)
        return datetime.combine(day, time(0, 0), tzinfo=PARIS)

    @staticmethod
    def inactivity_due(reference: datetime) -> datetime:
        """24 calendar months later on the Paris wall clock, clamped to the month's end
        (29 February + 24 months is 28 February); a wall time in the spring-forward gap
        keeps the offset before it (zoneinfo's fold=0), i.e. lands just after the gap."""
        local = reference.astimezone(PARIS)
        year = local.year + 2
        day = min(local.day, stdlib_calendar.monthrange(year, local.month)[1])
        return datetime(
            year,
            local.month,
            day,
            local.hour,
            local.minute,
            local.second,
            local.microsecond,
            tzinfo=PARIS,
        )

    def __init__(self, joined):
        self.state = "active"
        self.reason = ""
        self.reference = joined  # inactivity counts from here
        self.step_at = None
        self.accepted = None
        self.failed = False
        self.pending = False
        self.mails = 0
        self.steps = 0  # warnings and deactivations taken (each journaled once)
        self.deleted_at = None

    def deadline(self):
        if self.failed or self.accepted is None:
            return None
        return self.notice_deadline(self.accepted)

    def notify(self, now, mode):
        self.steps += 1
        self.step_at, self.accepted, self.failed, self.pending = now, None, False, False
        self.deliver(now, mode)

    def deliver(self, now, mode):
        if mode == "ok":
            self.accepted, self.mails, self.failed = now, self.mails + 1, False
        elif mode == "refuse":
            self.failed = True
        else:
            self.pending = True

    def clear_step(self):
        self.step_at, self.accepted, self.failed, self.pending = None, None, False, False


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.now = START
        self.mode = "ok"
        machine = self

        def send(message, fail_silently=False):
            return machine._send(message)

        self.patch = mock.patch("django.core.mail.message.EmailMessage.send", send)
        self.patch.start()
        mail.outbox = []
        self.user = UserFactory(date_joined=START, last_activity_at=None)
        self.staff = UserFactory(date_joined=START, is_staff=True)
        self.agent = UserFactory(date_joined=START, is_staff=True)
        self.model = Model(START)

    def _send(self, message):
        if self.mode == "down":
            raise smtplib.SMTPServerDisconnected("provider down")
        if self.mode == "refuse":
            raise AnymailRecipientsRefused("refused")
        mail.outbox.append(message)
        return 1

    def teardown(self):
        self.patch.stop()
        self.traveller.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _do(self, fn, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return fn(**kwargs)

    def _db_user(self):
        return User.objects.filter(pk=self.user.pk).first()

    # --- rules ------------------------------------------------------------------

    @rule(delta=JUMPS)
    def time_passes(self, delta):
        self.now += delta
        self.clock.move_to(self.now)

    @rule(mode=st.sampled_from(["ok", "ok", "down", "refuse"]))
    def mail_provider(self, mode):
        self.mode = mode

    @rule()
    def sweep(self):
        m, now = self.model, self.now
        before = self._db_user()
        self._do(lifecycle_sweep, now=now)
        if m.state == "deleted":
            return
        # Notices no worker holds are sent again first.
        if m.pending and self.mode != "down":
            m.pending = False
            m.deliver(now, self.mode)
        if m.state == "deactivated" and m.deadline() and m.deadline() <= now:
            m.state, m.deleted_at = "deleted", now
        elif m.state == "warned" and m.deadline() and m.deadline() <= now:
            m.state, m.reason = "deactivated", "inactivity"
            m.notify(now, self.mode)
        elif m.state == "active" and m.inactivity_due(m.reference) <= now:
            m.state = "warned"
            m.notify(now, self.mode)
        if m.state == "deleted":
            # No deletion before its deadline, and only from the deactivated state.
            assert before.state == "deactivated"
            assert Model.notice_deadline(before.notice_sent_at) <= now

    @precondition(lambda self: self.model.state != "deleted")
    @rule()
    def sign_in(self):
        m, user = self.model, self._db_user()
        if not (user.is_active or services.reactivates_on_sign_in(user)):
            return  # refused at sign-in (the adapter's rule)
        self._do(services.account_sign_in, user=user, at=self.now)
        if m.state in ("warned", "deactivated"):
            m.state, m.reason = "active", ""
            m.clear_step()
        m.reference = self.now

    @precondition(lambda self: self.model.state != "deleted")
    @rule()
    def administrator_deactivates(self):
        m = self.model
        if m.state == "suspended":
            with pytest.raises(services.TransitionNotAllowed):
                self._do(
                    services.account_deactivate,
                    user=self._db_user(),
                    actor=self.agent,
                    now=self.now,
                    reason=DeactivationReason.ORG_ADMIN,
                )
            return
        self._do(
            services.account_deactivate,
            user=self._db_user(),
            actor=self.agent,
            now=self.now,
            reason=DeactivationReason.ORG_ADMIN,
        )
        if m.state in ("active", "warned"):
            m.state, m.reason = "deactivated", "org_admin"
            m.notify(self.now, self.mode)
        elif m.reason == "inactivity":
            m.reason = "org_admin"

    @precondition(lambda self: self.model.state != "deleted")
    @rule()
    def administrator_reactivates(self):
        m = self.model
        if m.state == "suspended":
            return
        self._do(services.account_reactivate, user=self._db_user(), actor=self.agent, now=self.now)
        if m.state in ("warned", "deactivated"):
            m.state, m.reason = "active", ""
            m.clear_step()
            m.reference = self.now

    @precondition(lambda self: self.model.state != "deleted")
    @rule()
    def opco_suspends(self):
        m = self.model
        self._do(
            services.account_suspend,
            user=self._db_user(),
            actor=self.agent,
            now=self.now,
            reason=SuspensionReason.CGU_BREACH,
        )
        if m.state != "suspended":
            m.state, m.reason = "suspended", ""
            m.clear_step()

    @precondition(lambda self: self.model.state == "suspended")
    @rule()
    def opco_lifts_suspension(self):
        m = self.model
        self._do(
            services.account_suspension_lift, user=self._db_user(), actor=self.agent, now=self.now
        )
        m.state, m.reference = "active", self.now

    @precondition(
        lambda self: (
            self.model.failed
            and not self.model.pending
            and self.model.state in ("warned", "deactivated")
        )
    )
    @rule()
    def opco_resends_the_notice(self):
        m = self.model
        self._do(notice_resend, user=self._db_user(), actor=self.agent, now=self.now)
        # The account stays in the review queue until the new notice is accepted.
        m.deliver(self.now, self.mode)

    @precondition(
        lambda self: (
            self.model.state in ("warned", "deactivated")
            and self.model.accepted is not None
            and not self.model.failed
        )
    )
    @rule()
    def hard_bounce_after_acceptance(self):
        """The provider accepted the notice, then reports a hard bounce: the clock stops."""
        notice = Notice.objects.filter(user_id=self.user.pk).order_by("-pk").first()
        Notice.objects.filter(pk=notice.pk).update(message_id=f"<bounce-{notice.pk}@test>")
        self._do(notice_bounce_record, message_id=f"<bounce-{notice.pk}@test>", at=self.now)
        self.model.failed = True

    # --- checks after every step ---------------------------------------------------

    @invariant()
    def database_agrees_with_the_model(self):
        m, user = self.model, self._db_user()
        if m.state == "deleted":
            assert user is None
            return
        assert user is not None
        assert user.state == m.state
        assert user.is_active == (m.state in ("active", "warned"))
        assert user.deactivation_reason == m.reason
        if m.state in ("warned", "deactivated"):
            # The clock starts at the provider's acceptance; a refused notice never
            # started it (m.accepted is None then), so the clock stays stopped.
            assert user.notice_sent_at == m.accepted
            assert (user.notice_failed_at is not None) == m.failed
            expected_deadline = m.deadline()  # None while failed or not yet accepted
            assert services.step_deadline(user, proceed_without_notice=False) == expected_deadline

    @invariant()
    def one_mail_per_accepted_step_and_none_lost(self):
        assert len(mail.outbox) == self.model.mails

    @invariant()
    def each_step_journaled_once(self):
        from lifecycle.models import JournalEntry

        if self.model.state == "deleted":
            return
        taken = JournalEntry.objects.filter(
            user_id=self.user.pk, action__in=["warned", "deactivated"]
        ).count()
        assert taken == self.model.steps

    @invariant()
    def staff_are_never_touched(self):
        staff = User.objects.get(pk=self.staff.pk)
        assert staff.state == "active"


@pytest.mark.django_db
def test_lifecycle_follows_the_model_under_random_sequences():
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        LifecycleMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
