"""The lifecycle dashboard and the back-office home counts (issue 15 item 3)."""

import pytest
from django.urls import reverse

from lifecycle import services
from lifecycle.models import DeactivationReason, Notice
from lifecycle.selectors import due_schedule
from privacy.models import ClosureRequest, DpoRequest
from tests.accounts.factories import with_second_factor

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = paris(2027, 1, 28, 12, 0)


@pytest.fixture
def agent(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    agent = with_second_factor(UserFactory(is_staff=True, is_superuser=True))
    client.force_login(agent)
    return agent


def inactive_since(at):
    return UserFactory(date_joined=at, last_activity_at=at)


def test_a_warning_due_a_month_ago_is_overdue_not_in_the_next_7_days(client, agent):
    late = inactive_since(paris(2024, 12, 28, 9))  # warning due 28/12/2026
    soon = inactive_since(paris(2025, 1, 31, 9))  # warning due 31/01/2027
    later = inactive_since(paris(2025, 2, 10, 9))  # due 10/02/2027: beyond 7 days
    schedule = due_schedule(now=NOW, days=7)
    assert [item.user for item in schedule.overdue] == [late]
    assert [item.user for item in schedule.upcoming] == [soon]
    assert (schedule.overdue_count, schedule.upcoming_count) == (1, 1)
    page = client.get(reverse("admin:lifecycle_dashboard")).text
    overdue_part, upcoming_part = page.split('id="lifecycle-due-title"')
    assert late.email in overdue_part and late.email not in upcoming_part
    assert soon.email in upcoming_part and soon.email not in overdue_part
    assert later.email not in page
    assert "28/12/2026 09:00" in overdue_part


def test_a_deletion_due_tomorrow_is_upcoming_and_one_due_yesterday_overdue(agent):
    tomorrow, yesterday = UserFactory(), UserFactory()
    # Notices accepted 13 and 15 January: deletions due 27 and 29 January 00:00.
    for user, sent in [(yesterday, paris(2027, 1, 11, 10)), (tomorrow, paris(2027, 1, 13, 10))]:
        services.account_deactivate(
            user=user, actor=None, now=sent, reason=DeactivationReason.OPCO
        )
        type(user).objects.filter(pk=user.pk).update(notice_sent_at=sent)
    schedule = due_schedule(now=NOW, days=7)
    assert [item.user for item in schedule.overdue] == [yesterday]
    assert [item.user for item in schedule.upcoming] == [tomorrow]


def test_admin_home_links_the_dashboard_and_shows_its_counts(client, agent):
    inactive_since(paris(2024, 12, 28, 9))  # overdue
    inactive_since(paris(2025, 1, 31, 9))  # within 7 days
    inactive_since(paris(2025, 2, 1, 9))  # within 7 days
    user = UserFactory()
    ClosureRequest.objects.create(user=user)
    DpoRequest.objects.create(
        user=user, kind="access", channel="email", message="x", due_at=paris(2027, 1, 1)
    )
    DpoRequest.objects.create(
        user=user, kind="access", channel="email", message="x", due_at=paris(2027, 3, 1)
    )
    Notice.objects.create(
        user=user,
        kind=Notice.Kind.WARNING,
        status=Notice.Status.BOUNCED,
        step_at=NOW,
        created_at=NOW,
    )
    # Warnings that could not be delivered: their clock is stopped, an agent reviews them.
    stopped = [UserFactory().pk for _ in range(3)]
    type(user).objects.filter(pk__in=stopped).update(
        state="warned", state_changed_at=paris(2027, 1, 10), notice_failed_at=paris(2027, 1, 11)
    )
    page = client.get(reverse("admin:index")).text
    assert reverse("admin:lifecycle_dashboard") in page
    assert 'id="count-review">3<' in page
    assert 'id="count-upcoming">2<' in page
    assert 'id="count-overdue">1<' in page
    assert 'id="count-closures">1<' in page
    assert 'id="count-dpo-overdue">1<' in page
    assert 'id="count-undelivered">1<' in page
