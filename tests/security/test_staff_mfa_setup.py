"""Issue 15 item 9: a new OPCO agent is told why, guided through TOTP, then led on."""

import pytest
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse
from django.utils import timezone

from tests.legal.factories import publish

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


def activate_totp(client):
    """Confirm the password, read the setup page, type the right code; the POST's answer."""
    activate = reverse("mfa_activate_totp")
    response = client.get(activate)
    if response.status_code == 302:  # allauth asks for the password again first
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(activate)
    assert response.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    counter = next(iter(yield_hotp_counters_from_time()))
    return response, client.post(
        activate, {"code": format_hotp_value(hotp_value(secret, counter))}
    )


def test_new_agent_signing_in_reads_why_before_the_cgu_gate(client, staff_without_mfa):
    publish(now=timezone.now())  # a version in force he has not accepted
    sign_in(client, staff_without_mfa.email)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:staff_mfa")
    text = response.content.decode()
    assert "Protégez votre accès au back-office" in text
    assert "Un mot de passe seul peut être deviné" in text
    assert reverse("mfa_activate_totp") in text


def test_setup_pages_are_not_interrupted_by_the_cgu_gate(client, staff_without_mfa):
    publish(now=timezone.now())
    client.force_login(staff_without_mfa)
    for name in ["accounts:staff_mfa", "mfa_index"]:
        assert client.get(reverse(name)).status_code == 200, name


def test_setup_page_is_guided_in_french_with_the_qr_code_and_the_key(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    page, _activated = activate_totp(client)
    text = page.content.decode()
    assert "<h1>Configurer l'application d'authentification</h1>" in text
    assert "Scanner un QR code" in text
    assert 'src="data:image/svg+xml;base64,' in text
    assert "Code à 6 chiffres affiché par l'application" in text
    assert "Authenticator" not in text


def test_after_activation_the_recovery_codes_lead_on_to_the_back_office(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    _page, activated = activate_totp(client)
    assert activated["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(activated["Location"]).content.decode()
    assert "Codes de secours" in codes
    assert f'<a class="button" id="continue-admin" href="{reverse("admin:index")}">' in codes
    assert "Continuer vers le back-office" in codes
    assert client.get(reverse("admin:index")).status_code == 200


def test_after_activation_the_cgu_gate_comes_before_the_back_office(client, staff_without_mfa):
    publish(now=timezone.now())
    client.force_login(staff_without_mfa)
    activate_totp(client)
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("legal:cgu_gate"))


def test_agent_with_a_second_factor_goes_straight_on_from_the_why_page(client, staff_with_mfa):
    client.force_login(staff_with_mfa)
    response = client.get(reverse("accounts:staff_mfa"))
    assert response["Location"] == reverse("admin:index")


def test_a_member_without_mfa_is_sent_home_from_the_recovery_codes(client, member):
    client.force_login(member)
    _page, activated = activate_totp(client)
    codes = client.get(activated["Location"]).content.decode()
    assert "Continuer vers le back-office" not in codes
    assert "Retour à mon espace" in codes


def test_new_agent_is_not_asked_again_for_the_password_he_just_typed(client, staff_without_mfa):
    sign_in(client, staff_without_mfa.email)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_a_session_without_a_typed_password_still_confirms_it_first(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
