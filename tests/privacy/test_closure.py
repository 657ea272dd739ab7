"""Closure requests: asked by the user, withdrawn before processing, processed by an agent."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from privacy.models import ClosureRequest
from tests.accounts.factories import UserFactory

from .conftest import journal_rows, paris

pytestmark = pytest.mark.django_db


def test_user_asks_for_closure_with_a_reason(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("privacy:closure_request"), {"reason": "Je change de métier"}
        )
    assert response.status_code == 302
    closure = ClosureRequest.objects.get(user=user)
    assert closure.status == ClosureRequest.Status.PENDING
    assert closure.reason == "Je change de métier"
    assert mailoutbox[0].to == [user.email]
    [row] = journal_rows("closure_requested")
    assert row["actor"] == user and row["user"] == user
    page = client.get(reverse("privacy:my_data"))
    assert "Retirer ma demande de clôture" in page.text


def test_asking_twice_keeps_one_pending_request(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("privacy:closure_request"), {"reason": ""})
    client.post(reverse("privacy:closure_request"), {"reason": "encore"})
    assert ClosureRequest.objects.filter(user=user).count() == 1


def test_user_withdraws_before_processing(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("privacy:closure_request"), {})
    closure = ClosureRequest.objects.get(user=user)
    client.post(reverse("privacy:closure_withdraw", args=[closure.pk]))
    closure.refresh_from_db()
    assert closure.status == ClosureRequest.Status.WITHDRAWN
    assert journal_rows("closure_withdrawn")[0]["actor"] == user


def test_another_user_cannot_withdraw_my_request(client):
    closure = ClosureRequest.objects.create(user=UserFactory())
    client.force_login(UserFactory())
    response = client.post(reverse("privacy:closure_withdraw", args=[closure.pk]))
    assert response.status_code == 404
    closure.refresh_from_db()
    assert closure.status == ClosureRequest.Status.PENDING


def test_agent_processes_request_which_deactivates_the_account(client, staff):
    user = UserFactory()
    closure = ClosureRequest.objects.create(user=user)
    client.force_login(staff)
    response = client.post(
        reverse("admin:privacy_closurerequest_changelist"),
        {"action": "process", "_selected_action": [closure.pk]},
    )
    assert response.status_code == 302
    closure.refresh_from_db()
    user.refresh_from_db()
    assert closure.status == ClosureRequest.Status.PROCESSED
    assert closure.processed_by == staff
    assert not user.is_active
    assert journal_rows("closure_processed")[0]["actor"] == staff
    assert (user.state, user.deactivation_reason) == ("deactivated", "closure_request")
    [row] = journal_rows("deactivated")
    assert row["actor"] == staff and row["reason"] == "closure_request"


def test_withdrawing_a_processed_request_is_refused(client):
    user = UserFactory()
    closure = ClosureRequest.objects.create(user=user, status=ClosureRequest.Status.PROCESSED)
    client.force_login(user)
    response = client.post(reverse("privacy:closure_withdraw", args=[closure.pk]), follow=True)
    assert "ne peut plus être retirée" in response.text
    closure.refresh_from_db()
    assert closure.status == ClosureRequest.Status.PROCESSED


@pytest.mark.parametrize(("age_days", "late"), [(29, False), (30, True)])
def test_queue_highlights_requests_older_than_thirty_days(client, staff, age_days, late):
    created = paris(2027, 3, 1, 10, 0)
    ClosureRequest.objects.create(user=UserFactory(), created_at=created)
    with time_machine.travel(created + dt.timedelta(days=age_days), tick=False):
        client.force_login(staff)
        page = client.get(reverse("admin:privacy_closurerequest_changelist"))
    assert f"{age_days} jours" in page.text
    assert ("privacy-late" in page.text) is late


def test_non_staff_cannot_reach_the_queue(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:privacy_closurerequest_changelist"))
    assert response.status_code == 302
