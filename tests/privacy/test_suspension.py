"""Suspension by an OPCO agent (back-office page "Suspensions de comptes")."""

import pytest
from allauth.idp.oidc.models import Client, Token
from django.urls import reverse
from django.utils import timezone

from lifecycle import services as lifecycle_services
from tests.accounts.factories import UserFactory

from .conftest import journal_rows

pytestmark = pytest.mark.django_db

URL = "admin:privacy_accountsuspension_changelist"


@pytest.mark.parametrize("reason", ["cgu_breach", "lost_credentials", "missing_proof", "other"])
def test_agent_suspends_an_account_for_a_reason(client, staff, reason):
    user = UserFactory()
    platform_client = Client.objects.create(
        name="M-Contributions", redirect_uris="https://x.test/cb"
    )
    Token.objects.create(client=platform_client, user=user, type="at", hash="h")
    client.force_login(staff)
    form = client.post(reverse(URL), {"action": "suspend", "_selected_action": [user.pk]})
    assert "Manquement aux CGU" in form.text
    client.post(
        reverse(URL),
        {
            "action": "suspend",
            "_selected_action": [user.pk],
            "apply": "1",
            "reason": reason,
            "note": "n",
        },
    )
    user.refresh_from_db()
    assert not user.is_active
    assert not Token.objects.filter(user=user).exists()
    assert (user.state, user.suspension_reason) == ("suspended", reason)
    [row] = journal_rows("suspended")
    assert row["actor"] == staff and row["reason"] == reason


def test_only_opco_lifts_a_suspension(client, staff):
    user = UserFactory()
    lifecycle_services.account_suspend(user=user, actor=staff, now=timezone.now(), reason="other")
    client.force_login(staff)
    client.post(reverse(URL), {"action": "lift", "_selected_action": [user.pk]})
    user.refresh_from_db()
    assert user.is_active
    assert user.state == "active"
    assert journal_rows("suspension_lifted")[0]["actor"] == staff


def test_suspension_page_is_for_staff_only(client):
    client.force_login(UserFactory())
    assert client.get(reverse(URL)).status_code == 302


def test_suspension_page_lists_no_staff_account(client, staff):
    UserFactory(email="client@example.fr")
    client.force_login(staff)
    page = client.get(reverse(URL))
    assert "client@example.fr" in page.text
    assert "agent@opcomobilites.fr" not in page.text.split("<tbody>")[-1]


def test_suspension_ends_the_users_web_sessions_not_only_his_tokens(client, staff):
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session
    from django.test import Client as BrowserClient

    user = UserFactory()
    laptop, phone = BrowserClient(), BrowserClient()
    for browser in (laptop, phone):
        browser.force_login(user)
        assert browser.get(reverse("home")).status_code == 200  # tracked by usersessions
    keys = [laptop.session.session_key, phone.session.session_key]
    assert UserSession.objects.filter(user=user).count() == 2

    client.force_login(staff)
    client.post(
        reverse(URL),
        {
            "action": "suspend",
            "_selected_action": [user.pk],
            "apply": "1",
            "reason": "cgu_breach",
            "note": "n",
        },
    )
    # The stored sessions are gone (not merely refused because the account is inactive).
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=user).exists()
    response = laptop.get(reverse("home"))
    assert response.status_code == 302
    assert "_auth_user_id" not in laptop.session
