"""Sign-in rules: inactivity-deactivated and warned accounts come back; others are told why."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import AccountState
from lifecycle import services
from lifecycle.models import DeactivationReason, JournalEntry, SuspensionReason

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def user():
    user = UserFactory(last_activity_at=paris(2024, 1, 1, 9, 0), date_joined=paris(2024, 1, 1))
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def test_inactivity_deactivated_account_signing_in_becomes_active_and_clock_restarts(
    client, user, time_machine
):
    services.account_deactivate(
        user=user, actor=None, now=paris(2026, 1, 10), reason=DeactivationReason.INACTIVITY
    )
    time_machine.move_to(paris(2026, 1, 20, 8, 0), tick=False)
    response = sign_in(client, user)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.state == AccountState.ACTIVE
    assert user.is_active
    assert user.last_activity_at == paris(2026, 1, 20, 8, 0)
    assert user.reactivated_at == paris(2026, 1, 20, 8, 0)
    assert JournalEntry.objects.filter(user=user, action="reactivated_by_sign_in").exists()
    assert client.get(reverse("home")).status_code == 200


def test_warned_account_signing_in_becomes_active(client, user, time_machine):
    services.account_warn(user=user, now=paris(2026, 1, 10))
    time_machine.move_to(paris(2026, 1, 12), tick=False)
    sign_in(client, user)
    user.refresh_from_db()
    assert user.state == AccountState.ACTIVE


def test_wrong_password_on_an_inactivity_deactivated_account_changes_nothing(client, user):
    services.account_deactivate(
        user=user, actor=None, now=paris(2026, 1, 10), reason=DeactivationReason.INACTIVITY
    )
    response = sign_in(client, user, password="wrong password here")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.state == AccountState.DEACTIVATED


@pytest.mark.parametrize(
    ("reason", "why", "whom"),
    [
        (
            DeactivationReason.ORG_ADMIN,
            "désactivé par l&#x27;administrateur de votre organisation",
            "contactez l&#x27;administrateur de votre organisation",
        ),
        (DeactivationReason.OPCO, "désactivé par OPCO Mobilités", "contactez OPCO Mobilités"),
        (DeactivationReason.CLOSURE_REQUEST, "demande de clôture", "contactez OPCO Mobilités"),
        (
            DeactivationReason.END_OF_AUTHORITY,
            "n&#x27;êtes plus habilité",
            "contactez OPCO Mobilités",
        ),
    ],
)
def test_admin_deactivated_account_is_refused_with_the_reason_and_whom_to_contact(
    client, user, reason, why, whom
):
    services.account_deactivate(user=user, actor=None, now=paris(2026, 1, 10), reason=reason)
    response = sign_in(client, user)
    assert response.status_code == 403
    assert why in response.text
    assert whom in response.text
    assert "relation-client@opcomobilites.fr" in response.text
    assert "incorrect" not in response.text
    user.refresh_from_db()
    assert user.state == AccountState.DEACTIVATED
    assert client.get(reverse("home")).status_code == 302


def test_refusal_states_the_deletion_date_once_the_notice_was_accepted(client, user):
    services.account_deactivate(
        user=user, actor=None, now=paris(2027, 3, 10, 14, 5), reason=DeactivationReason.OPCO
    )
    user.notice_sent_at = paris(2027, 3, 10, 14, 5)
    user.save(update_fields=["notice_sent_at"])
    response = sign_in(client, user)
    assert "supprimé définitivement le 26 mars 2027" in response.text


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        (SuspensionReason.CGU_BREACH, "manquement aux conditions générales"),
        (SuspensionReason.LOST_CREDENTIALS, "perte ou du vol de vos identifiants"),
        (SuspensionReason.MISSING_PROOF, "faute de justificatif"),
    ],
)
def test_suspended_account_is_refused_with_the_reason(client, user, reason, why):
    services.account_suspend(user=user, actor=None, now=paris(2026, 1, 10), reason=reason)
    response = sign_in(client, user)
    assert response.status_code == 403
    assert why in response.text
    assert "Seule OPCO Mobilités peut lever la suspension" in response.text.replace(
        "Seul OPCO", "Seule OPCO"
    )
    user.refresh_from_db()
    assert user.state == AccountState.SUSPENDED


def test_password_reset_reaches_an_inactivity_deactivated_account(
    client, user, django_capture_on_commit_callbacks
):
    services.account_deactivate(
        user=user, actor=None, now=paris(2026, 1, 10), reason=DeactivationReason.INACTIVITY
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_password_reset_for_a_suspended_account_says_why_instead_of_a_link(
    client, user, django_capture_on_commit_callbacks
):
    services.account_suspend(
        user=user, actor=None, now=paris(2026, 1, 10), reason=SuspensionReason.CGU_BREACH
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    assert "/password/reset/key/" not in mail.outbox[0].body
    assert "suspendu" in mail.outbox[0].body
    assert "relation-client@opcomobilites.fr" in mail.outbox[0].body


def _code_from(message) -> str:
    import re

    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.M).group(1)


def test_sign_in_by_code_reactivates_an_inactivity_deactivated_account(
    client, user, django_capture_on_commit_callbacks
):
    services.account_deactivate(
        user=user, actor=None, now=paris(2026, 1, 10), reason=DeactivationReason.INACTIVITY
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_request_login_code"), {"email": user.email})
    assert len(mail.outbox) == 1
    response = client.post(
        reverse("account_confirm_login_code"), {"code": _code_from(mail.outbox[0])}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.state == AccountState.ACTIVE


def test_sign_in_by_code_of_an_admin_deactivated_account_is_refused_with_the_reason(
    client, user, django_capture_on_commit_callbacks
):
    services.account_deactivate(
        user=user, actor=None, now=paris(2026, 1, 10), reason=DeactivationReason.ORG_ADMIN
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_request_login_code"), {"email": user.email})
    response = client.post(
        reverse("account_confirm_login_code"), {"code": _code_from(mail.outbox[0])}
    )
    assert response.status_code == 403
    assert "administrateur de votre organisation" in response.text.replace("&#x27;", "'")
    user.refresh_from_db()
    assert user.state == AccountState.DEACTIVATED


def test_inactivity_deactivated_account_with_mfa_is_reactivated_only_after_the_second_factor(
    client, user
):
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    services.account_deactivate(
        user=user, actor=None, now=paris(2026, 1, 10), reason=DeactivationReason.INACTIVITY
    )
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    user.refresh_from_db()
    assert user.state == AccountState.DEACTIVATED  # not before the second factor
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.state == AccountState.ACTIVE


def test_inactivity_deactivated_account_resets_its_password_then_signs_in_and_is_back(
    client, user, django_capture_on_commit_callbacks
):
    import re

    services.account_deactivate(
        user=user, actor=None, now=paris(2026, 1, 10), reason=DeactivationReason.INACTIVITY
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    new_password = "un tout nouveau mot de passe 2026"
    response = client.post(
        response.redirect_chain[-1][0] if response.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    sign_in(client, user, password=new_password)
    user.refresh_from_db()
    assert user.state == AccountState.ACTIVE


def test_refusal_email_on_password_reset_survives_a_provider_failure(
    client, user, django_capture_on_commit_callbacks, provider_fails
):
    services.account_suspend(
        user=user, actor=None, now=paris(2026, 1, 10), reason=SuspensionReason.CGU_BREACH
    )
    attempts = provider_fails(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(attempts) == 2
    assert len(mail.outbox) == 1
    assert "suspendu" in mail.outbox[0].body
