"""Back-office: state columns, "Désactiver"/"Réactiver" with confirmation, journal, dashboard."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AccountState, User
from lifecycle import services
from lifecycle.models import DeactivationReason, JournalEntry
from platforms.models import Access, Platform

from .conftest import paris
from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:accounts_user_changelist"


@pytest.fixture
def agent(client):
    agent = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(agent)
    return agent


def test_changelist_shows_state_reason_and_next_step(client, agent):
    user = UserFactory()
    services.account_deactivate(
        user=user, actor=agent, now=paris(2027, 3, 10), reason=DeactivationReason.OPCO
    )
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert "Désactivé par OPCO Mobilités" in response.text
    assert "Suppression définitive" in response.text
    assert client.get(reverse(CHANGELIST), {"state": "deactivated"}).status_code == 200


def test_deactivate_action_asks_for_confirmation_first(client, agent):
    users = UserFactory.create_batch(2)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "deactivate_accounts", "_selected_action": [u.pk for u in users]},
    )
    assert response.status_code == 200
    assert "supprimés définitivement dans 15 jours calendaires" in response.text
    assert all(User.objects.get(pk=u.pk).is_active for u in users)


def test_confirmed_bulk_deactivation_deactivates_each_account(client, agent):
    users = UserFactory.create_batch(2)
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "deactivate_accounts",
            "_selected_action": [u.pk for u in users],
            "confirm": "1",
            "reason": DeactivationReason.OPCO,
        },
    )
    assert response.status_code == 302
    for user in users:
        user.refresh_from_db()
        assert user.state == AccountState.DEACTIVATED
        assert user.deactivation_reason == DeactivationReason.OPCO
        assert JournalEntry.objects.get(user=user).actor == agent


def test_confirmed_reactivation_from_the_user_page(client, agent):
    user = UserFactory()
    services.account_deactivate(
        user=user, actor=agent, now=paris(2027, 3, 10), reason=DeactivationReason.OPCO
    )
    url = reverse("admin:lifecycle_user_operation", args=[user.pk, "reactivate"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.state == AccountState.ACTIVE


def test_user_page_shows_the_journal_and_action_links(client, agent):
    user = UserFactory()
    services.account_deactivate(
        user=user, actor=agent, now=paris(2027, 3, 10), reason=DeactivationReason.OPCO
    )
    response = client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200
    assert "Journal du compte" in response.text
    assert "Compte désactivé" in response.text
    assert reverse("admin:lifecycle_user_operation", args=[user.pk, "reactivate"]) in response.text


def test_agent_without_change_permission_cannot_deactivate(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(viewer)
    user = UserFactory()
    url = reverse("admin:lifecycle_user_operation", args=[user.pk, "deactivate"])
    assert client.post(url, {"confirm": "1", "reason": "opco"}).status_code == 403
    client.post(
        reverse(CHANGELIST),
        {"action": "deactivate_accounts", "_selected_action": [user.pk], "confirm": "1"},
    )
    user.refresh_from_db()
    assert user.is_active


def test_admin_confirmation_names_accounts_with_m_gestion_access(client, agent):
    member = MembershipFactory()
    platform = Platform.objects.get(code="mgestion-entreprise")
    Access.objects.create(membership=member, platform=platform, role=platform.roles.first())
    response = client.post(
        reverse(CHANGELIST),
        {"action": "deactivate_accounts", "_selected_action": [member.user.pk]},
    )
    assert "M-Gestion ou M-Contributions" in response.text


def test_dashboard_lists_due_accounts_review_queue_staff_and_preview(client, agent, time_machine):
    time_machine.move_to(paris(2027, 1, 28, 12, 0), tick=False)
    client.force_login(agent)  # the session would have expired in the travel
    due = UserFactory(date_joined=paris(2025, 1, 31, 9), last_activity_at=paris(2025, 1, 31, 9))
    staff = UserFactory(
        is_staff=True, date_joined=paris(2024, 1, 1), last_activity_at=paris(2024, 1, 1)
    )
    overdue = UserFactory(date_joined=paris(2024, 1, 1), last_activity_at=paris(2024, 1, 1))
    response = client.get(reverse("admin:lifecycle_dashboard"))
    assert response.status_code == 200
    assert due.email in response.text
    assert staff.email in response.text
    assert overdue.email in response.text
    assert "Avertissements d&#x27;inactivité : 1" in response.text or (
        "Avertissements d'inactivité : 1" in response.text
    )


def test_dashboard_needs_back_office_access(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:lifecycle_dashboard"))
    assert response.status_code == 302


def test_nobody_deletes_an_account_with_the_admins_delete_button(client, agent):
    user = UserFactory()
    response = client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [user.pk]}
    )
    assert User.objects.filter(pk=user.pk).exists()
    assert client.get(reverse("admin:accounts_user_delete", args=[user.pk])).status_code == 403
    assert response.status_code in (200, 302)


def _member_with(code):
    member = MembershipFactory()
    platform = Platform.objects.get(code=code)
    Access.objects.create(membership=member, platform=platform, role=platform.roles.first())
    return member.user


def _popin_paragraph(html: str) -> str:
    start = html.find("Comptes ayant accès à M-Gestion ou M-Contributions")
    return "" if start < 0 else html[start : html.index("</p>", start)]


def test_admin_confirmation_names_only_m_gestion_and_m_contributions_holders(client, agent):
    gestion = _member_with("mgestion-entreprise")
    contributions = _member_with("mcontributions")
    campus = _member_with("mcampus-entreprise")
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "deactivate_accounts",
            "_selected_action": [gestion.pk, contributions.pk, campus.pk],
        },
    )
    warning = _popin_paragraph(response.text)
    assert gestion.email in warning
    assert contributions.email in warning
    assert campus.email not in warning
    assert campus.email in response.text  # still listed among the accounts deactivated


def test_admin_confirmation_has_no_popin_warning_for_m_campus_holders_only(client, agent):
    campus = _member_with("mcampus-entreprise")
    response = client.post(
        reverse(CHANGELIST),
        {"action": "deactivate_accounts", "_selected_action": [campus.pk]},
    )
    assert response.status_code == 200
    assert "il sera supprimé définitivement dans 15 jours calendaires" in response.text
    assert _popin_paragraph(response.text) == ""


def test_user_list_shows_the_columns_an_agent_needs_and_no_more(client, agent):
    """Issue 15 item 2: État, Motif, Prochaine étape visible at 1280 px (seven columns)."""
    UserFactory()
    page = client.get(reverse(CHANGELIST)).text
    headers = re.findall(r'<th scope="col" class="(?:sortable )?column-([a-z_]+)', page)
    assert headers == [
        "email",
        "last_name",
        "first_name",
        "state",
        "lifecycle_reason",
        "lifecycle_next_step",
        "last_activity_at",
    ]
