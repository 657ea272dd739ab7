"""Rules that broke without any test noticing (issue 11, "tests that do not yet
catch a broken rule"). Each test goes through the public contract only
(``lifecycle_sweep(now=...)``, the services, the pages), and each was checked
once by breaking its rule in the code.
"""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import AccountState, User
from lifecycle import selectors, services
from lifecycle.models import DeactivationReason, Notice
from lifecycle.notices import notice_bounce_record
from lifecycle.tasks import notice_send
from tests.accounts.factories import administrator_of

from .conftest import paris
from .factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)
SEND = "django.core.mail.message.EmailMessage.send"
PASSWORD = "correct horse battery staple 42"


def state(user):
    row = User.objects.filter(pk=user.pk).first()
    return "deleted" if row is None else row.state


def deactivate(run, user, at):
    return run(
        services.account_deactivate,
        at=at,
        user=user,
        actor=None,
        now=at,
        reason=DeactivationReason.OPCO,
    )


# --- Who the sweep touches -----------------------------------------------------------


def test_superuser_who_is_not_staff_is_outside_the_sweep(sweep):
    """DESIGN.md: OPCO staff accounts are never warned, deactivated or deleted; a
    superuser is OPCO's even without the staff flag."""
    root = UserFactory(
        is_staff=False,
        is_superuser=True,
        date_joined=paris(2024, 1, 1, 9, 0),
        last_activity_at=paris(2024, 1, 1, 9, 0),
    )
    for at in [paris(2026, 1, 2), paris(2026, 2, 1), paris(2026, 6, 1), paris(2028, 1, 1)]:
        sweep(at)
    root.refresh_from_db()
    assert root.state == AccountState.ACTIVE
    assert mail.outbox == []
    assert not Notice.objects.filter(user=root).exists()


# --- The 15 days, to the minute, through the sweep ----------------------------------


def test_notice_accepted_at_exactly_midnight_paris_runs_to_midnight_of_day_16(run, sweep):
    """Accepted 10 March 00:00:00 Paris (9 March 23:00 UTC): day 1 is 11 March, so
    nothing happens at 25 March 23:59, and the deletion comes at 26 March 00:00."""
    user = UserFactory()
    deactivate(run, user, paris(2027, 3, 10, 0, 0, 0))
    user.refresh_from_db()
    assert user.notice_sent_at == paris(2027, 3, 10, 0, 0, 0)
    assert sweep(paris(2027, 3, 26, 0, 0) - MINUTE).deleted == []
    assert state(user) == AccountState.DEACTIVATED
    assert sweep(paris(2027, 3, 26, 0, 0)).deleted == [user.pk]


def test_clock_starts_at_acceptance_checked_through_the_sweep(run, sweep, time_machine):
    """Decided 10 March 23:50, provider down; accepted 11 March 00:20 → the account is
    not deleted before 27 March 00:00 (counting from the decision would say 26 March)."""
    user = UserFactory()
    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("down")):
        deactivate(run, user, paris(2027, 3, 10, 23, 50))
    time_machine.move_to(paris(2027, 3, 11, 0, 20), tick=False)
    notice_send.delay(Notice.objects.get(user=user).pk)
    assert sweep(paris(2027, 3, 26, 0, 0)).deleted == []
    assert sweep(paris(2027, 3, 27, 0, 0) - MINUTE).deleted == []
    assert state(user) == AccountState.DEACTIVATED
    assert sweep(paris(2027, 3, 27, 0, 0)).deleted == [user.pk]


# --- A bounce after acceptance stops the clock everywhere ----------------------------


def test_after_a_bounce_following_acceptance_no_deletion_date_is_shown_anywhere(
    run, sweep, client
):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    deactivate(run, user, paris(2027, 3, 10, 14, 5))
    notice = Notice.objects.get(user=user)
    assert notice.status == Notice.Status.ACCEPTED
    Notice.objects.filter(pk=notice.pk).update(message_id="<late-bounce@test>")
    assert notice_bounce_record(message_id="<late-bounce@test>", at=paris(2027, 3, 12, 8, 0))
    user.refresh_from_db()

    # Next step: the deletion is not dated, the clock is said to be stopped.
    step = selectors.next_step(user=user)
    assert step.due_at is None and "délai arrêté" in step.note

    # Refusal page at sign-in: no date of deletion.
    refusal = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "supprimé définitivement le" not in refusal.text
    assert "26 mars 2027" not in refusal.text

    # Back-office: neither the list nor the account's "prochaine étape" shows a date
    # (the journal below keeps, as evidence, the deadline the notice announced).
    agent = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(agent)
    listing = client.get(reverse("admin:accounts_user_changelist")).text
    assert "26/03/2027" not in listing and "26 mars 2027" not in listing
    assert "délai arrêté" in listing
    page = client.get(reverse("admin:accounts_user_change", args=[user.pk])).text
    next_step = page.split("field-lifecycle_next_step", 1)[1].split("</div>", 2)
    next_step = "".join(next_step[:2])
    assert "délai arrêté" in next_step
    assert "26/03/2027" not in next_step and "26 mars 2027" not in next_step

    # And the sweep does not delete on the announced date.
    assert sweep(paris(2027, 3, 26, 0, 0)).deleted == []
    assert state(user) == AccountState.DEACTIVATED


# --- 24 calendar months across a 29 February -------------------------------------------


def test_24_months_are_calendar_months_not_730_days(sweep):
    """Active 1 March 2026: 730 days later is 29 February 2028 (a leap year); the
    warning is due on 1 March 2028 only."""
    user = UserFactory(
        date_joined=paris(2026, 3, 1, 10, 0), last_activity_at=paris(2026, 3, 1, 10, 0)
    )
    assert sweep(paris(2028, 2, 29, 12, 0)).warned == []
    assert state(user) == AccountState.ACTIVE
    assert sweep(paris(2028, 3, 1, 10, 0)).warned == [user.pk]
    assert state(user) == AccountState.WARNED


# --- Organisation administrator's powers ---------------------------------------------------


def test_another_permission_on_the_organisation_opens_no_administrator_page(client):
    """Only guardian's accounts.manage_organisation opens "Mon organisation" pages; a
    view_organisation (or any other) object permission does not (404, nothing changes)."""
    organisation = OrganisationFactory()
    holder = MembershipFactory(organisation=organisation).user
    assign_perm("accounts.view_organisation", holder, organisation)
    assign_perm("accounts.change_organisation", holder, organisation)
    member = MembershipFactory(organisation=organisation).user
    client.force_login(holder)
    for name in ("org_member_deactivate", "org_member_reactivate"):
        page = reverse(f"lifecycle:{name}", args=[organisation.pk, member.pk])
        assert client.get(page).status_code == 404
        assert client.post(page).status_code == 404
    assert client.get(reverse("accounts:org_detail", args=[organisation.pk])).status_code == 404
    member.refresh_from_db()
    assert member.is_active


def test_organisation_administrator_cannot_deactivate_a_member_who_is_opco_staff(client):
    organisation = OrganisationFactory()
    admin = administrator_of(organisation)
    agent = MembershipFactory(organisation=organisation, user=UserFactory(is_staff=True)).user
    client.force_login(admin)
    response = client.post(
        reverse("lifecycle:org_member_deactivate", args=[organisation.pk, agent.pk])
    )
    assert response.status_code == 403
    agent.refresh_from_db()
    assert agent.is_active and agent.state == AccountState.ACTIVE
