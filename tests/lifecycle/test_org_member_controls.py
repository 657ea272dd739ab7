"""What "Mon organisation" offers for each member's account (QA walkthrough fixes)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountState
from lifecycle import services
from lifecycle.models import DeactivationReason, SuspensionReason
from tests.accounts.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    administrator_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(legal_name="Transports Alpha")


@pytest.fixture
def admin(client, organisation):
    admin = administrator_of(organisation, UserFactory(first_name="Alice", last_name="Admin"))
    client.force_login(admin)
    return admin


@pytest.fixture
def member(organisation):
    return MembershipFactory(
        organisation=organisation, user=UserFactory(first_name="Bruno", last_name="Gestion")
    ).user


def org_page(organisation):
    return reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})


def member_page(organisation, member):
    return reverse(
        "accounts:org_member", kwargs={"organisation_pk": organisation.pk, "user_pk": member.pk}
    )


def control_url(name, organisation, member):
    return reverse(f"lifecycle:{name}", args=[organisation.pk, member.pk])


def test_suspended_member_is_shown_suspended_without_reactivate_link(
    client, admin, organisation, member
):
    services.account_suspend(
        user=member, actor=None, now=timezone.now(), reason=SuspensionReason.CGU_BREACH
    )
    for page in (org_page(organisation), member_page(organisation, member)):
        text = client.get(page).text
        assert "Compte suspendu" in text
        assert "Compte désactivé" not in text
        assert control_url("org_member_reactivate", organisation, member) not in text


def test_member_deactivated_by_opco_has_no_reactivate_link(client, admin, organisation, member):
    services.account_deactivate(
        user=member, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO
    )
    text = client.get(org_page(organisation)).text
    assert "Compte désactivé" in text
    assert control_url("org_member_reactivate", organisation, member) not in text


def test_member_deactivated_by_the_administrator_has_reactivate_link(
    client, admin, organisation, member
):
    services.account_deactivate(
        user=member, actor=admin, now=timezone.now(), reason=DeactivationReason.ORG_ADMIN
    )
    assert control_url("org_member_reactivate", organisation, member) in (
        client.get(org_page(organisation)).text
    )


def test_administrator_is_not_offered_to_deactivate_himself(client, admin, organisation, member):
    text = client.get(org_page(organisation)).text
    assert control_url("org_member_deactivate", organisation, member) in text
    assert control_url("org_member_deactivate", organisation, admin) not in text


def test_deactivating_from_the_organisation_page_returns_to_it(
    client, admin, organisation, member
):
    text = client.get(org_page(organisation)).text
    link = control_url("org_member_deactivate", organisation, member)
    assert f"{link}?next={org_page(organisation)}" in text
    response = client.post(link, {"next": org_page(organisation)})
    assert response.status_code == 302
    assert response.url == org_page(organisation)
    member.refresh_from_db()
    assert member.state == AccountState.DEACTIVATED


def test_reactivating_without_next_returns_to_the_organisation_page(
    client, admin, organisation, member
):
    services.account_deactivate(
        user=member, actor=admin, now=timezone.now(), reason=DeactivationReason.ORG_ADMIN
    )
    response = client.post(control_url("org_member_reactivate", organisation, member))
    assert response.url == org_page(organisation)


def test_foreign_next_is_ignored(client, admin, organisation, member):
    response = client.post(
        control_url("org_member_deactivate", organisation, member),
        {"next": "https://evil.example/"},
    )
    assert response.url == org_page(organisation)


def test_confirmation_page_names_the_member_and_cancel_is_secondary(
    client, admin, organisation, member
):
    text = client.get(control_url("org_member_deactivate", organisation, member)).text
    assert "Désactiver le compte : Bruno Gestion" in text
    assert "Désactiver le compte de" not in text
    assert f'class="button secondary" href="{org_page(organisation)}"' in text
