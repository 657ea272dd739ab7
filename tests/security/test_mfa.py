"""MFA: mandatory for OPCO staff, offered to everyone, recommended to organisation admins."""

import pytest
from django.urls import reverse

from tests.accounts.factories import MembershipFactory

from .conftest import sign_in, verified

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name", ["home", "admin:index", "usersessions_list", "account_change_password"]
)
def test_staff_without_mfa_is_sent_to_the_mfa_page(client, staff_without_mfa, url_name):
    client.force_login(staff_without_mfa)
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:staff_mfa")


def test_staff_without_mfa_is_told_why(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    response = client.get(reverse("admin:index"), follow=True)
    assert "double authentification" in response.text


@pytest.mark.parametrize(
    "url_name", ["mfa_index", "mfa_add_webauthn", "account_reauthenticate", "healthz"]
)
def test_staff_without_mfa_reaches_the_mfa_setup_pages(client, staff_without_mfa, url_name):
    client.force_login(staff_without_mfa)
    response = client.get(reverse(url_name))
    # allauth may first ask to confirm the password (reauthenticate), never the MFA page.
    assert response.status_code in (200, 302, 503)  # healthz may report the broker down
    assert response.get("Location", "").split("?")[0] != reverse("accounts:staff_mfa")


def test_staff_without_mfa_activates_totp_then_reaches_the_back_office(
    client, staff_without_mfa, password
):
    from allauth.mfa.totp.internal.auth import (
        SECRET_SESSION_KEY,
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    client.force_login(staff_without_mfa)
    activate = reverse("mfa_activate_totp")
    response = client.get(activate)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": password})
    assert client.get(activate).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))
    response = client.post(activate, {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_without_mfa_can_sign_out(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_staff_with_mfa_reaches_the_back_office(client, staff_with_mfa):
    client.force_login(staff_with_mfa)
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_with_mfa_must_pass_the_second_factor_at_sign_in(client, staff_with_mfa):
    response = sign_in(client, staff_with_mfa.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_mfa_is_offered_to_every_user(client, member):
    client.force_login(member)
    assert client.get(reverse("mfa_index")).status_code == 200
    home = client.get(reverse("home"))
    assert reverse("mfa_index") in home.text


def test_users_without_staff_rights_are_not_forced_into_mfa(client, member):
    client.force_login(member)
    assert client.get(reverse("home")).status_code == 200


def test_organisation_administrator_is_recommended_mfa(client):
    admin = verified(MembershipFactory(is_administrator=True).user)
    client.force_login(admin)
    response = client.get(reverse("home"))
    assert "Vous administrez une organisation" in response.text


def test_plain_member_gets_no_mfa_recommendation(client, member):
    client.force_login(member)
    response = client.get(reverse("home"))
    assert "Vous administrez une organisation" not in response.text


def test_staff_who_removes_his_last_factor_is_confined_again_within_minutes(
    client, staff_with_mfa
):
    from datetime import timedelta

    import time_machine
    from allauth.mfa.models import Authenticator
    from django.utils import timezone

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(staff_with_mfa)
        assert client.get(reverse("home")).status_code == 200
        Authenticator.objects.filter(user=staff_with_mfa).delete()
        traveller.shift(timedelta(minutes=5, seconds=1))
        response = client.get(reverse("home"))
    assert response["Location"] == reverse("accounts:staff_mfa")


def totp_code(secret, *, offset=0):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(__import__("time").time()) // 30 + offset
    return format_hotp_value(hotp_value(secret, counter))


def test_second_factor_codes_are_capped_at_25_failures_a_day(client, staff_with_mfa):
    from datetime import UTC, datetime, timedelta

    import time_machine

    with time_machine.travel(datetime(2027, 3, 10, 8, 0, tzinfo=UTC), tick=False) as traveller:
        for _ in range(25):
            # A pending sign-in lasts 15 minutes: start again with the password each time.
            assert sign_in(client, staff_with_mfa.email).status_code == 302
            response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
            assert response.status_code == 200
            traveller.shift(timedelta(minutes=6))  # past allauth's 5-per-5-minutes limit
        assert sign_in(client, staff_with_mfa.email).status_code == 302
        response = client.post(
            reverse("mfa_authenticate"), {"code": totp_code("JBSWY3DPEHPK3PXP")}
        )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_right_second_factor_code_signs_staff_in(client, staff_with_mfa):
    assert sign_in(client, staff_with_mfa.email).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code("JBSWY3DPEHPK3PXP")})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_extra_pages_can_be_opened_to_staff_without_mfa(client, settings, staff_without_mfa):
    settings.SECURITY_MFA_EXEMPT_URL_NAMES = ["home"]
    client.force_login(staff_without_mfa)
    assert client.get(reverse("home")).status_code == 200


def test_legal_pages_stay_open_to_staff_without_mfa(rf, staff_without_mfa):
    """The CGU gate sends staff to legal pages: closing them would loop between gates."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.urls import ResolverMatch

    from accounts.middleware import StaffMFARequiredMiddleware

    request = rf.get("/cgu/nouvelle-version/")
    request.user = staff_without_mfa
    request.session = SessionStore()
    request.resolver_match = ResolverMatch(
        lambda r: None, (), {}, url_name="cgu_gate", app_names=["legal"], namespaces=["legal"]
    )
    middleware = StaffMFARequiredMiddleware(lambda r: HttpResponse())
    assert middleware.process_view(request, None, (), {}) is None
