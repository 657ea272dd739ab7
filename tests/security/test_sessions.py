"""Sessions: new key at sign-in, idle and absolute lifetimes, ending them all."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.idp.oidc.models import Client as OIDCClient
from allauth.idp.oidc.models import Token
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lifecycle.services import account_deactivate

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_sign_in_starts_a_new_session(client, member):
    client.get(reverse("account_login"))  # an anonymous session exists already
    session = client.session
    session["marker"] = "before"
    session.save()
    before = session.session_key
    assert sign_in(client, member.email).status_code == 302
    assert client.session.session_key != before


def test_staff_session_ends_after_30_minutes_idle(client, staff_with_mfa):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(staff_with_mfa)
        assert signed_in(client)
        traveller.shift(timedelta(minutes=29))
        assert signed_in(client)
        traveller.shift(timedelta(minutes=30, seconds=1))
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_active_staff_session_ends_after_12_hours_anyway(client, staff_with_mfa):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(staff_with_mfa)
        for _ in range(12 * 3):  # a request every 20 minutes for 12 hours
            traveller.shift(timedelta(minutes=20))
            assert signed_in(client)
        traveller.shift(timedelta(minutes=1))
        assert not signed_in(client)


def test_staff_session_is_alive_just_before_12_hours(client, staff_with_mfa):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(staff_with_mfa)
        for _ in range(11 * 3 + 2):  # up to 11 h 40 of steady activity
            traveller.shift(timedelta(minutes=20))
            assert signed_in(client)


def test_user_session_survives_11_hours_idle(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(member)
        assert signed_in(client)
        traveller.shift(timedelta(hours=11, minutes=59))
        assert signed_in(client)


def test_user_session_ends_after_12_hours_idle(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(member)
        assert signed_in(client)
        traveller.shift(timedelta(hours=12, minutes=1))
        assert not signed_in(client)


def test_active_user_session_has_no_absolute_limit(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(member)
        for _ in range(4):
            traveller.shift(timedelta(hours=6))
            assert signed_in(client)


def test_session_cookie_dies_with_the_browser(client, member):
    sign_in(client, member.email)
    cookie = client.cookies["sessionid"]
    assert not cookie["expires"]
    assert not cookie["max-age"]


def test_sign_out_everywhere_ends_the_other_sessions(member):
    laptop, phone = Client(), Client()
    sign_in(laptop, member.email)
    sign_in(phone, member.email)
    assert UserSession.objects.filter(user=member).count() == 2
    response = laptop.post(reverse("usersessions_list"), {})
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)


def test_sign_out_everywhere_is_linked_from_the_home_page(client, member):
    client.force_login(member)
    assert reverse("usersessions_list") in client.get(reverse("home")).text


def make_token(user):
    oidc_client = OIDCClient.objects.create(name="M-Gestion Entreprise", id="mgestion-test")
    return Token.objects.create(
        client=oidc_client, user=user, type=Token.Type.ACCESS_TOKEN, hash="x" * 64
    )


def test_password_change_ends_other_sessions_and_platform_tokens(member):
    laptop, phone = Client(), Client()
    sign_in(laptop, member.email)
    sign_in(phone, member.email)
    make_token(member)
    new_password = "un autre mot de passe tout neuf"
    laptop.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
    assert not Token.objects.filter(user=member).exists()
    assert list(UserSession.objects.filter(user=member)) == [
        UserSession.objects.get(session_key=laptop.session.session_key)
    ]


def deactivate(user):
    """Deactivate through the lifecycle service, as the back office does."""
    account_deactivate(user=user, actor=None, now=timezone.now(), reason="opco")


def test_deactivated_account_loses_its_sessions(client, member):
    client.force_login(member)
    deactivate(member)
    assert not signed_in(client)


def test_deactivated_account_loses_its_platform_tokens(member):
    make_token(member)
    deactivate(member)
    assert not Token.objects.filter(user=member).exists()
