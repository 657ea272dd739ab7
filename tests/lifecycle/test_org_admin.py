"""The organisation administrator's deactivate/reactivate pages and the dated pop-in."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import AccountState
from lifecycle import services
from lifecycle.models import DeactivationReason
from platforms.models import Access, Platform
from tests.accounts.factories import administrator_of

from .conftest import paris
from .factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory()


@pytest.fixture
def admin_user(client, organisation):
    admin = administrator_of(organisation)
    client.force_login(admin)
    return admin


def url(name, organisation, member):
    return reverse(f"lifecycle:{name}", args=[organisation.pk, member.pk])


def grant(member_ship, code):
    platform = Platform.objects.get(code=code)
    Access.objects.create(membership=member_ship, platform=platform, role=platform.roles.first())


def test_confirmation_page_states_the_deletion_date(
    client, admin_user, organisation, time_machine
):
    time_machine.move_to(paris(2027, 3, 10, 14, 5), tick=False)
    client.force_login(admin_user)  # the session would have expired in the travel
    member = MembershipFactory(organisation=organisation).user
    response = client.get(url("org_member_deactivate", organisation, member))
    assert response.status_code == 200
    assert "le 26 mars 2027" in response.text


def test_administrator_deactivates_a_member_of_his_organisation_only(
    client, admin_user, organisation
):
    member = MembershipFactory(organisation=organisation).user
    response = client.post(url("org_member_deactivate", organisation, member))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.state == AccountState.DEACTIVATED
    assert member.deactivation_reason == DeactivationReason.ORG_ADMIN


def test_member_of_another_organisation_too_cannot_be_deactivated(
    client, admin_user, organisation
):
    membership = MembershipFactory(organisation=organisation)
    MembershipFactory(user=membership.user)  # also works elsewhere
    response = client.post(url("org_member_deactivate", organisation, membership.user))
    assert response.status_code == 403
    assert "Retirez-la de votre organisation" in response.text
    membership.user.refresh_from_db()
    assert membership.user.is_active


def test_another_organisations_member_is_not_found(client, admin_user, organisation):
    stranger = MembershipFactory().user
    assert client.get(url("org_member_deactivate", organisation, stranger)).status_code == 404


def test_non_administrator_gets_404(client, organisation):
    plain = MembershipFactory(organisation=organisation).user
    member = MembershipFactory(organisation=organisation).user
    client.force_login(plain)
    assert client.post(url("org_member_deactivate", organisation, member)).status_code == 404
    member.refresh_from_db()
    assert member.is_active


def test_administrator_reactivates_a_member_he_deactivated(client, admin_user, organisation):
    member = MembershipFactory(organisation=organisation).user
    services.account_deactivate(
        user=member, actor=admin_user, now=paris(2027, 3, 10), reason=DeactivationReason.ORG_ADMIN
    )
    response = client.post(url("org_member_reactivate", organisation, member))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.state == AccountState.ACTIVE


def test_administrator_cannot_reactivate_an_opco_deactivation(client, admin_user, organisation):
    member = MembershipFactory(organisation=organisation).user
    services.account_deactivate(
        user=member, actor=None, now=paris(2027, 3, 10), reason=DeactivationReason.OPCO
    )
    assert client.post(url("org_member_reactivate", organisation, member)).status_code == 403
    member.refresh_from_db()
    assert member.state == AccountState.DEACTIVATED


def _controls(organisation, member):
    request = RequestFactory().get("/")
    template = Template(
        "{% load lifecycle_tags %}{% lifecycle_member_controls organisation member %}"
    )
    return template.render(
        Context({"organisation": organisation, "member": member, "request": request})
    )


@pytest.mark.parametrize("code", ["mgestion-entreprise", "mgestion-of", "mcontributions"])
def test_popin_for_members_with_m_gestion_or_m_contributions(organisation, code):
    membership = MembershipFactory(organisation=organisation)
    grant(membership, code)
    html = _controls(organisation, membership.user)
    assert "<dialog" in html
    assert "supprimé définitivement dans quinze jours calendaires" in html
    assert "js/lifecycle-popin.js" in html
    assert url("org_member_deactivate", organisation, membership.user) in html


@pytest.mark.parametrize("code", ["mcampus-entreprise", "mgepp", None])
def test_no_popin_for_other_platforms(organisation, code):
    membership = MembershipFactory(organisation=organisation)
    if code:
        grant(membership, code)
    html = _controls(organisation, membership.user)
    assert "<dialog" not in html
    assert url("org_member_deactivate", organisation, membership.user) in html


def test_member_list_confirms_deactivation_by_dialog_only_for_m_gestion_holders(
    client, organisation, time_machine
):
    from tests.accounts.factories import administrator_of

    time_machine.move_to(paris(2027, 3, 10, 14, 5), tick=False)
    client.force_login(administrator_of(organisation))
    gestion = MembershipFactory(organisation=organisation)
    grant(gestion, "mgestion-entreprise")
    campus = MembershipFactory(organisation=organisation)
    grant(campus, "mcampus-entreprise")
    response = client.get(reverse("accounts:org_detail", args=[organisation.pk]))
    assert response.status_code == 200
    assert f'<dialog id="lifecycle-popin-{gestion.user_id}"' in response.text
    assert f'data-lifecycle-popin="lifecycle-popin-{gestion.user_id}"' in response.text
    assert (
        "supprimé définitivement dans quinze jours calendaires, le 26 mars 2027" in response.text
    )
    assert f"lifecycle-popin-{campus.user_id}" not in response.text
    assert url("org_member_deactivate", organisation, campus.user) in response.text


def test_membership_flag_without_the_admin_permission_does_not_open_the_pages(
    client, organisation
):
    # The rule of every "Mon organisation" page is guardian's accounts.manage_organisation.
    flagged = MembershipFactory(organisation=organisation, is_administrator=True).user
    member = MembershipFactory(organisation=organisation).user
    client.force_login(flagged)
    for name in ("org_member_deactivate", "org_member_reactivate"):
        assert client.get(url(name, organisation, member)).status_code == 404
