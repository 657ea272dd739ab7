"""Suspension by an OPCO agent (back-office page "Suspensions de comptes")."""

import pytest
from allauth.idp.oidc.models import Client, Token
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "admin:privacy_accountsuspension_changelist"


@pytest.mark.parametrize("reason", ["cgu_breach", "lost_credentials", "missing_proof", "other"])
def test_agent_suspends_an_account_for_a_reason(client, staff, reason, lifecycle_contract):
    user = UserFactory()
    platform_client = Client.objects.create(name="M-Contributions", redirect_uris="https://x.test/cb")
    Token.objects.create(client=platform_client, user=user, type="at", hash="h")
    client.force_login(staff)
    form = client.post(reverse(URL), {"action": "suspend", "_selected_action": [user.pk]})
    assert "Manquement aux CGU" in form.text
    client.post(
        reverse(URL),
        {"action": "suspend", "_selected_action": [user.pk], "apply": "1", "reason": reason, "note": "n"},
    )
    user.refresh_from_db()
    assert not user.is_active
    assert not Token.objects.filter(user=user).exists()
    if lifecycle_contract:
        assert lifecycle_contract[-1] == ("suspend", user.pk, staff, reason)


def test_only_opco_lifts_a_suspension(client, staff, lifecycle_contract):
    user = UserFactory(is_active=False)
    client.force_login(staff)
    client.post(reverse(URL), {"action": "lift", "_selected_action": [user.pk]})
    user.refresh_from_db()
    assert user.is_active


def test_suspension_page_is_for_staff_only(client):
    client.force_login(UserFactory())
    assert client.get(reverse(URL)).status_code == 302


def test_suspension_page_lists_no_staff_account(client, staff):
    UserFactory(email="client@example.fr")
    client.force_login(staff)
    page = client.get(reverse(URL))
    assert "client@example.fr" in page.text
    assert "agent@opcomobilites.fr" not in page.text.split("<tbody>")[-1]
