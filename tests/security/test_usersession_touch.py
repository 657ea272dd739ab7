"""The user-session row is written at most every 5 minutes, not on every page (issue 12.7),
and at once when the client's address or browser changes."""

from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import MembershipFactory

from .conftest import verified

pytestmark = pytest.mark.django_db


def last_seen(user):
    return UserSession.objects.get(user=user).last_seen_at


def test_signed_in_pages_touch_the_user_session_row_every_five_minutes_only(client):
    user = verified(MembershipFactory().user)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(user)
        client.get(reverse("home"))
        first = last_seen(user)
        traveller.shift(timedelta(minutes=4, seconds=59))
        client.get(reverse("home"))
        assert last_seen(user) == first
        traveller.shift(timedelta(seconds=2))
        client.get(reverse("home"))
        assert last_seen(user) == first + timedelta(minutes=5, seconds=1)


def test_a_new_address_is_recorded_at_once(client):
    user = verified(MembershipFactory().user)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(user)
        client.get(reverse("home"), REMOTE_ADDR="192.0.2.1")
        traveller.shift(timedelta(seconds=30))
        client.get(reverse("home"), REMOTE_ADDR="192.0.2.2")
    assert UserSession.objects.get(user=user).ip == "192.0.2.2"
