"""Back-office of the event streams: state, undelivered events and errors, retry."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import SuspensionReason
from lifecycle.services import account_suspend
from platforms.ssf import services
from platforms.ssf.models import StreamEvent
from tests.accounts.factories import UserFactory

from .factories import grant, verified_user
from .ssf_support import FakeReceiver, make_stream

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


@pytest.fixture
def refused(platform, oidc_client):
    """A stream whose receiver refused one SET (RFC 8935 §2.3) and is failing."""
    stream = make_stream(platform)
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    account_suspend(user=user, actor=None, now=T0, reason=SuspensionReason.CGU_BREACH)
    receiver = FakeReceiver()
    receiver.status = 400
    services.stream_push(stream_pk=stream.pk, now=T0, post=receiver)
    return StreamEvent.objects.get()


def staff(client, *codenames):
    user = UserFactory(is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return user


def test_stream_list_shows_state_pending_refused_and_last_error(client, refused):
    staff(client, "view_stream")

    response = client.get(reverse("admin:ssf_stream_changelist"))

    assert response.status_code == 200
    assert "Active" in response.text
    assert "Refusés" in response.text and "En attente" in response.text
    [row] = response.context["cl"].result_list
    assert (row.pending_count, row.rejected_count) == (0, 1)


def test_event_list_filters_refused_events_with_their_error(client, refused):
    staff(client, "view_streamevent")

    response = client.get(reverse("admin:ssf_streamevent_changelist") + "?delivery=rejected")

    assert refused.jti in response.text
    assert "invalid_request: refused" in response.text


def test_retry_needs_the_change_permission(client, refused):
    staff(client, "view_streamevent")

    client.post(
        reverse("admin:ssf_streamevent_changelist"),
        {"action": "retry_events", "_selected_action": [refused.pk]},
    )

    refused.refresh_from_db()
    assert refused.rejected_at is not None


def test_retry_puts_a_refused_event_back_in_the_queue(
    client, refused, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(services, "_queue_push", lambda pks: queued.extend(pks))
    staff(client, "view_streamevent", "change_streamevent")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:ssf_streamevent_changelist"),
            {"action": "retry_events", "_selected_action": [refused.pk]},
            follow=True,
        )

    assert "1 événement remis en file de livraison." in response.text
    refused.refresh_from_db()
    assert refused.rejected_at is None and refused.delivered_at is None
    assert queued == [refused.stream_id]
