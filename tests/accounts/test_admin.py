"""OPCO back-office: staff groups, searches, filters, safe staff management."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Membership, Organisation, User
from platforms.models import Access, Platform, Role

from .factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    make_siret,
    with_second_factor,
)

pytestmark = pytest.mark.django_db


def perms(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def staff(group_name, **kwargs):
    user = with_second_factor(UserFactory(is_staff=True, **kwargs))
    user.groups.add(Group.objects.get(name=group_name))
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def superuser_client(client):
    client.force_login(with_second_factor(UserFactory(is_staff=True, is_superuser=True)))
    return client


def test_agent_group_views_and_acts_on_accounts_only():
    granted = perms("Agent OPCO")
    for model in ["user", "organisation", "membership", "invitation", "joinrequest"]:
        assert {f"accounts.view_{model}", f"accounts.change_{model}"} <= granted
        assert f"accounts.delete_{model}" not in granted
    assert {"platforms.add_access", "platforms.delete_access"} <= granted
    assert "platforms.change_platform" not in granted
    assert "platforms.change_role" not in granted
    assert not {p for p in granted if p.endswith("_staffuser")}


def test_administrator_group_also_edits_platforms_roles_and_staff():
    granted = perms("Administrateur OPCO")
    assert perms("Agent OPCO") <= granted
    for codename in [
        "platforms.add_platform",
        "platforms.change_platform",
        "platforms.delete_platform",
        "platforms.add_role",
        "platforms.change_role",
        "platforms.delete_role",
        "accounts.add_staffuser",
        "accounts.change_staffuser",
        "accounts.delete_staffuser",
    ]:
        assert codename in granted


def test_agent_sees_users_but_cannot_make_anyone_staff(client):
    agent = staff("Agent OPCO")
    target = UserFactory()
    client.force_login(agent)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    response = client.get(reverse("admin:accounts_user_change", args=[target.pk]))
    assert response.status_code == 200
    assert 'name="is_staff"' not in response.text
    assert 'name="groups"' not in response.text
    assert 'name="first_name"' in response.text


def test_agent_cannot_change_a_staff_account(client):
    agent = staff("Agent OPCO")
    colleague = staff("Administrateur OPCO")
    client.force_login(agent)
    response = client.get(reverse("admin:accounts_user_change", args=[colleague.pk]))
    assert 'name="first_name"' not in response.text  # read-only view
    response = client.post(
        reverse("admin:accounts_user_change", args=[colleague.pk]),
        {"email": colleague.email, "first_name": "Pirate", "last_name": "X"},
    )
    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.first_name != "Pirate"


def test_agent_cannot_see_staff_accounts_list(client):
    client.force_login(staff("Agent OPCO"))
    assert client.get(reverse("admin:accounts_staffuser_changelist")).status_code == 403


def test_opco_administrator_creates_a_staff_account(client):
    client.force_login(staff("Administrateur OPCO"))
    agent_group = Group.objects.get(name="Agent OPCO")
    response = client.post(
        reverse("admin:accounts_staffuser_add"),
        {
            "email": "Nouvel.Agent@opcomobilites.fr",
            "first_name": "Nouvel",
            "last_name": "Agent",
            "phone": "",
            "groups": [agent_group.pk],
        },
    )
    assert response.status_code == 302, response.text
    created = User.objects.get(email="nouvel.agent@opcomobilites.fr")
    assert created.is_staff
    assert not created.is_superuser
    assert not created.has_usable_password()
    assert list(created.groups.all()) == [agent_group]


def test_opco_administrator_cannot_grant_superuser(client):
    client.force_login(staff("Administrateur OPCO"))
    target = staff("Agent OPCO")
    response = client.get(reverse("admin:accounts_staffuser_change", args=[target.pk]))
    assert 'name="groups"' in response.text
    assert 'name="is_superuser"' not in response.text


# --- Searches -----------------------------------------------------------------------


@pytest.fixture
def people():
    organisation = OrganisationFactory(siret=make_siret(123))
    durand = UserFactory(
        email="claire.durand@transports.fr", first_name="Claire", last_name="Durand"
    )
    MembershipFactory(user=durand, organisation=organisation)
    martin = UserFactory(email="paul.martin@exemple.fr", first_name="Paul", last_name="Martin")
    return {"organisation": organisation, "durand": durand, "martin": martin}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("claire.durand@transports.fr", "durand"),
        ("CLAIRE.DURAND@", "durand"),
        ("durand", "durand"),
        ("Paul", "martin"),
        ("paul mar", "martin"),
        ("SIRET", "durand"),
        ("SIREN", "durand"),
        # Any part of the email or the name, not only its start (issue 10, item 4).
        ("@transports.fr", "durand"),
        ("@TRANSPORTS.FR", "durand"),
        ("transports.fr", "durand"),
        ("uran", "durand"),
        ("AUL.MAR", "martin"),
        ("laire ura", "durand"),
    ],
)
def test_user_search_by_email_name_siren_siret(superuser_client, people, term, expected):
    siret = people["organisation"].siret
    term = {"SIRET": f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}", "SIREN": siret[:9]}.get(
        term, term
    )
    response = superuser_client.get(reverse("admin:accounts_user_changelist"), {"q": term})
    emails = [u.email for u in response.context["cl"].result_list]
    assert emails == [people[expected].email]


def test_user_search_by_a_domain_needs_every_word(superuser_client, people):
    """A domain finds its users only; a second word narrows the list down."""
    url = reverse("admin:accounts_user_changelist")
    response = superuser_client.get(url, {"q": "@exemple.fr durand"})
    assert list(response.context["cl"].result_list) == []
    response = superuser_client.get(url, {"q": "@exemple.fr paul"})
    assert [u.email for u in response.context["cl"].result_list] == [people["martin"].email]


def test_organisation_search_by_siren_siret_and_name(superuser_client, people):
    organisation = people["organisation"]
    url = reverse("admin:accounts_organisation_changelist")
    for term in [organisation.siret, organisation.siren, organisation.legal_name[:9]]:
        response = superuser_client.get(url, {"q": term})
        assert list(response.context["cl"].result_list) == [organisation]


# --- Filters ------------------------------------------------------------------------


def test_filters_by_kind_platform_and_role_list_each_user_once(superuser_client):
    cfa = OrganisationFactory(kind=Organisation.Kind.CFA)
    membership = MembershipFactory(organisation=cfa)
    for role in ["gestionnaire", "administrateur"]:
        Access.objects.create(
            membership=membership,
            platform=Platform.objects.get(code="mgestion-of"),
            role=Role.objects.get(code=role),
        )
    MembershipFactory()  # an Entreprise member without access
    url = reverse("admin:accounts_user_changelist")
    for params in [
        {"organisation_kind": "cfa"},
        {"platform": "mgestion-of"},
        {"role": "administrateur"},
        {"platform": "mgestion-of", "role": "gestionnaire", "organisation_kind": "cfa"},
    ]:
        response = superuser_client.get(url, params)
        assert [u.pk for u in response.context["cl"].result_list] == [membership.user_id]


def test_access_inline_refuses_a_role_the_platform_does_not_offer(superuser_client):
    membership = MembershipFactory()
    platform = Platform.objects.get(code="mgestion-of")
    role = Role.objects.get(code="adherent")
    response = superuser_client.post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "created_at_0": "2026-01-01",
            "created_at_1": "10:00:00",
            "accesses-TOTAL_FORMS": "1",
            "accesses-INITIAL_FORMS": "0",
            "accesses-0-platform": platform.pk,
            "accesses-0-role": role.pk,
        },
    )
    assert response.status_code == 200
    assert "n&#x27;est pas proposé sur la plateforme" in response.text or (
        "n'est pas proposé sur la plateforme" in response.text
    )
    assert not Access.objects.exists()


def test_access_inline_grants_an_offered_role(superuser_client):
    membership = MembershipFactory(organisation=OrganisationFactory(kind=Organisation.Kind.OF))
    platform = Platform.objects.get(code="mgestion-of")
    role = Role.objects.get(code="gestionnaire")
    response = superuser_client.post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "created_at_0": "2026-01-01",
            "created_at_1": "10:00:00",
            "accesses-TOTAL_FORMS": "1",
            "accesses-INITIAL_FORMS": "0",
            "accesses-0-platform": platform.pk,
            "accesses-0-role": role.pk,
        },
    )
    assert response.status_code == 302, response.text
    access = Access.objects.get()
    assert access.granted_by is not None


def test_access_inline_refuses_a_platform_closed_to_the_organisation_kind(superuser_client):
    membership = MembershipFactory()  # an Entreprise
    response = superuser_client.post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "created_at_0": "2026-01-01",
            "created_at_1": "10:00:00",
            "accesses-TOTAL_FORMS": "1",
            "accesses-INITIAL_FORMS": "0",
            "accesses-0-platform": Platform.objects.get(code="mgestion-of").pk,
            "accesses-0-role": Role.objects.get(code="gestionnaire").pk,
        },
    )
    assert response.status_code == 200
    assert "n&#x27;est pas ouverte aux organisations de type « Entreprise »" in response.text
    assert not Access.objects.exists()


def test_making_a_member_administrator_in_the_back_office_gives_the_permission(
    superuser_client,
):
    membership = MembershipFactory()
    superuser_client.post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "is_administrator": "on",
            "created_at_0": "2026-01-01",
            "created_at_1": "10:00:00",
            "accesses-TOTAL_FORMS": "0",
            "accesses-INITIAL_FORMS": "0",
        },
    )
    user = User.objects.get(pk=membership.user_id)
    assert user.has_perm("accounts.manage_organisation", membership.organisation)


def test_deleting_a_membership_in_the_back_office_takes_the_permission(superuser_client):
    from accounts.models import OrganisationUserObjectPermission
    from tests.accounts.factories import administrator_of

    organisation = OrganisationFactory()
    user = administrator_of(organisation)
    membership = Membership.objects.get(user=user)
    superuser_client.post(
        reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert not Membership.objects.exists()
    assert not OrganisationUserObjectPermission.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "model",
    [
        "accounts_user",
        "accounts_staffuser",
        "accounts_organisation",
        "accounts_membership",
        "accounts_invitation",
        "accounts_joinrequest",
        "platforms_access",
        "platforms_platform",
        "platforms_role",
    ],
)
def test_every_back_office_list_opens(superuser_client, model):
    MembershipFactory()
    response = superuser_client.get(reverse(f"admin:{model}_changelist"), {"q": "a"})
    assert response.status_code == 200


def test_agent_approves_a_join_request_from_the_back_office(client):
    from accounts.models import JoinRequest

    from .factories import JoinRequestFactory

    join_request = JoinRequestFactory()
    agent = staff("Agent OPCO")
    client.force_login(agent)
    response = client.post(
        reverse("admin:accounts_joinrequest_changelist"),
        {"action": "approve", "_selected_action": [join_request.pk]},
    )
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED
    assert join_request.decided_by == agent
    assert Membership.objects.filter(
        user=join_request.user, organisation=join_request.organisation
    ).exists()


def test_invitations_are_not_created_in_the_back_office(superuser_client):
    assert superuser_client.get(reverse("admin:accounts_invitation_add")).status_code == 403


def test_list_checkbox_is_djangos_own_markup():
    """The fast selection checkbox renders exactly what Django's widget renders."""
    from django.contrib import admin as django_admin

    from accounts.admin import UserAdmin

    user = UserFactory(email="case@exemple.fr")
    model_admin = UserAdmin(User, django_admin.site)
    assert str(model_admin.action_checkbox(user)) == str(
        django_admin.ModelAdmin.action_checkbox(model_admin, user)
    )


def test_platform_filter_offers_only_platforms_with_roles(superuser_client):
    """A platform offering no role can hold no access: filtering on it would scan for nothing."""
    response = superuser_client.get(reverse("admin:accounts_user_changelist"))
    platform_filter = next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", "") == "platform"
    )
    offered = {code for code, _name in platform_filter.lookup_choices}
    with_roles = set(
        Platform.objects.filter(roles__isnull=False).values_list("code", flat=True).distinct()
    )
    assert offered == with_roles
    assert Platform.objects.filter(roles__isnull=True).exists(), "the seed has such platforms"
