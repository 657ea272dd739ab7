"""'Mon organisation': what an organisation administrator sees and does."""

import pytest
from django.urls import reverse

from accounts.models import JoinRequest, Membership, OrganisationUserObjectPermission, User
from platforms.models import Access, Platform, Role

from .factories import (
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    administrator_of,
    with_second_factor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(legal_name="Transports Alpha")


@pytest.fixture
def admin(organisation):
    return administrator_of(organisation, UserFactory(first_name="Alice", last_name="Admin"))


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def member(organisation):
    return MembershipFactory(
        organisation=organisation, user=UserFactory(first_name="Bruno", last_name="Membre")
    )


def grant(membership, platform_code, role_code):
    return Access.objects.create(
        membership=membership,
        platform=Platform.objects.get(code=platform_code),
        role=Role.objects.get(code=role_code),
    )


def test_administrator_sees_the_organisations_he_administers(admin_client, organisation):
    other = OrganisationFactory(legal_name="Autre Société")
    second = OrganisationFactory(legal_name="Transports Bêta")
    administrator_of(second, User.objects.get(pk=int(admin_client.session["_auth_user_id"])))
    response = admin_client.get(reverse("accounts:org_list"))
    assert response.status_code == 200
    assert "Transports Alpha" in response.text and "Transports Bêta" in response.text
    assert other.legal_name not in response.text


def test_mon_organisation_opens_the_only_organisation_directly(admin_client, organisation):
    """Issue 15 item 12: no list of one."""
    response = admin_client.get(reverse("accounts:org_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "accounts:org_detail", kwargs={"organisation_pk": organisation.pk}
    )


def test_home_link_mon_organisation_opens_the_only_organisation(admin_client, organisation):
    detail = reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    home = admin_client.get(reverse("home")).text
    assert f'<a class="button" href="{detail}">Mon organisation</a>' in home
    page = admin_client.get(detail).text
    assert f'href="{reverse("accounts:org_list")}"' not in page  # no way back to a list of one


def test_home_link_mon_organisation_lists_several_organisations(admin_client, admin):
    administrator_of(OrganisationFactory(legal_name="Transports Bêta"), admin)
    home = admin_client.get(reverse("home")).text
    assert f'<a class="button" href="{reverse("accounts:org_list")}">Mon organisation</a>' in home


def test_plain_member_administers_nothing(client, member):
    client.force_login(member.user)
    response = client.get(reverse("accounts:org_list"))
    assert "administrez aucune organisation" in response.text


def test_member_list_shows_members_with_their_accesses(admin_client, organisation, member):
    grant(member, "mgestion-entreprise", "gestionnaire")
    response = admin_client.get(
        reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    )
    assert response.status_code == 200
    assert member.user.email in response.text
    assert "M-Gestion Entreprise — Gestionnaire" in response.text
    assert "valable 7 jours" in response.text


def test_member_rows_link_to_lifecycle_deactivation_only_when_that_page_exists(
    admin_client, organisation, member
):
    from django.urls import NoReverseMatch

    response = admin_client.get(
        reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    )
    try:
        url = reverse(
            "lifecycle:org_member_deactivate",
            kwargs={"organisation_pk": organisation.pk, "user_pk": member.user.pk},
        )
    except NoReverseMatch:
        assert "Désactiver le compte" not in response.text
    else:
        assert f'href="{url}?next=' in response.text


def test_anonymous_visitor_is_sent_to_sign_in(client, organisation):
    url = reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_plain_member_gets_404_on_his_own_organisation(client, organisation, member):
    client.force_login(member.user)
    url = reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    assert client.get(url).status_code == 404


def test_superuser_without_membership_gets_404(client, organisation):
    client.force_login(with_second_factor(UserFactory(is_staff=True, is_superuser=True)))
    url = reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    assert client.get(url).status_code == 404


# --- Roles ------------------------------------------------------------------------


def grant_url(organisation, user):
    return reverse(
        "accounts:org_access_grant",
        kwargs={"organisation_pk": organisation.pk, "user_pk": user.pk},
    )


def test_administrator_grants_a_role_the_platform_offers(
    admin_client, admin, organisation, member
):
    response = admin_client.post(
        grant_url(organisation, member.user), {"offer": "mcontributions:adherent"}
    )
    assert response.status_code == 302
    access = Access.objects.get(membership=member)
    assert (access.platform.code, access.role.code) == ("mcontributions", "adherent")
    assert access.granted_by == admin


def test_grant_form_offers_only_roles_of_each_platform(admin_client, organisation, member):
    response = admin_client.get(
        reverse(
            "accounts:org_member",
            kwargs={"organisation_pk": organisation.pk, "user_pk": member.user.pk},
        )
    )
    assert 'value="mgestion-entreprise:gestionnaire"' in response.text
    assert 'value="mgestion-entreprise:adherent"' not in response.text
    assert "mtutorat:" not in response.text


def member_page(organisation, user):
    return reverse(
        "accounts:org_member", kwargs={"organisation_pk": organisation.pk, "user_pk": user.pk}
    )


def test_grant_form_offers_only_platforms_open_to_the_organisation_kind(client):
    """Issue 15 item 12: an Entreprise is offered no M-Gestion OF or M-Campus OF role."""
    company = OrganisationFactory(kind="entreprise")
    school = OrganisationFactory(kind="of")
    pages = {}
    for organisation in (company, school):
        admin = administrator_of(organisation, UserFactory())
        member = MembershipFactory(organisation=organisation)
        client.force_login(admin)
        pages[organisation.kind] = client.get(member_page(organisation, member.user)).text
    assert "mgestion-of:" not in pages["entreprise"]
    assert "mcampus-of:" not in pages["entreprise"]
    assert 'value="mgestion-entreprise:gestionnaire"' in pages["entreprise"]
    assert 'value="mgestion-of:gestionnaire"' in pages["of"]
    assert 'value="mcampus-of:partenaire"' in pages["of"]
    assert "mgestion-entreprise:" not in pages["of"]


def test_platform_closed_to_the_organisation_kind_is_refused_in_french(
    admin_client, organisation, member
):
    response = admin_client.post(
        grant_url(organisation, member.user), {"offer": "mgestion-of:gestionnaire"}
    )
    assert response.status_code == 400
    assert (
        "La plateforme M-Gestion OF n&#x27;est pas ouverte aux organisations de type "
        "« Entreprise »."
    ) in response.text
    assert not Access.objects.exists()


def test_role_the_platform_does_not_offer_is_refused_in_french(admin_client, organisation, member):
    response = admin_client.post(
        grant_url(organisation, member.user), {"offer": "mgestion-of:adherent"}
    )
    assert response.status_code == 400
    assert "Le rôle « Adhérent » n&#x27;est pas proposé sur la plateforme M-Gestion OF." in (
        response.text
    )
    assert not Access.objects.exists()


def test_role_on_a_platform_with_its_own_accounts_is_refused(admin_client, organisation, member):
    response = admin_client.post(
        grant_url(organisation, member.user), {"offer": "mtutorat:gestionnaire"}
    )
    assert response.status_code == 400
    assert "n&#x27;est pas gérée par le centre de comptes" in response.text
    assert not Access.objects.exists()


def test_unknown_platform_or_role_is_refused(admin_client, organisation, member):
    response = admin_client.post(grant_url(organisation, member.user), {"offer": "nope:rien"})
    assert response.status_code == 400
    assert "Choisissez une plateforme et un rôle." in response.text
    assert not Access.objects.exists()


def test_administrator_revokes_a_role(admin_client, organisation, member):
    access = grant(member, "mgepp", "consultant")
    response = admin_client.post(
        reverse(
            "accounts:org_access_revoke",
            kwargs={
                "organisation_pk": organisation.pk,
                "user_pk": member.user.pk,
                "access_pk": access.pk,
            },
        )
    )
    assert response.status_code == 302
    assert not Access.objects.filter(pk=access.pk).exists()


# --- Join requests ------------------------------------------------------------------


def decide_url(name, organisation, join_request):
    return reverse(
        f"accounts:{name}",
        kwargs={"organisation_pk": organisation.pk, "request_pk": join_request.pk},
    )


def test_pending_join_requests_are_listed(admin_client, organisation):
    join_request = JoinRequestFactory(organisation=organisation)
    response = admin_client.get(
        reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    )
    assert join_request.user.email in response.text


def test_approving_a_join_request_makes_a_member(admin_client, admin, organisation):
    join_request = JoinRequestFactory(organisation=organisation)
    response = admin_client.post(
        decide_url("org_join_request_approve", organisation, join_request)
    )
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED
    assert join_request.decided_by == admin
    membership = Membership.objects.get(user=join_request.user, organisation=organisation)
    assert not membership.is_administrator


def test_refusing_a_join_request_makes_no_member(admin_client, organisation):
    join_request = JoinRequestFactory(organisation=organisation)
    admin_client.post(decide_url("org_join_request_refuse", organisation, join_request))
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.REFUSED
    assert not Membership.objects.filter(user=join_request.user).exists()


def test_a_decided_request_cannot_be_decided_again(admin_client, organisation):
    join_request = JoinRequestFactory(organisation=organisation)
    admin_client.post(decide_url("org_join_request_refuse", organisation, join_request))
    admin_client.post(decide_url("org_join_request_approve", organisation, join_request))
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.REFUSED
    assert not Membership.objects.filter(user=join_request.user).exists()


# --- Removing a member ----------------------------------------------------------------


def remove_url(organisation, user):
    return reverse(
        "accounts:org_member_remove",
        kwargs={"organisation_pk": organisation.pk, "user_pk": user.pk},
    )


def test_removing_a_member_ends_membership_and_accesses(admin_client, organisation, member):
    grant(member, "mgestion-entreprise", "gestionnaire")
    response = admin_client.post(remove_url(organisation, member.user))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert not Access.objects.exists()
    assert member.user.__class__.objects.filter(pk=member.user.pk).exists()


def test_removing_an_administrator_takes_his_permission(admin_client, organisation):
    other_admin = administrator_of(organisation)
    admin_client.post(remove_url(organisation, other_admin))
    assert not other_admin.has_perm("accounts.manage_organisation", organisation)
    assert not OrganisationUserObjectPermission.objects.filter(user=other_admin).exists()


def test_last_administrator_cannot_leave_members_without_administrator(
    admin_client, admin, organisation, member
):
    response = admin_client.post(remove_url(organisation, admin), follow=True)
    assert "dernier administrateur" in response.text
    assert Membership.objects.filter(user=admin, organisation=organisation).exists()


def test_removal_asks_for_confirmation_first(admin_client, organisation, member):
    response = admin_client.get(remove_url(organisation, member.user))
    assert response.status_code == 200
    assert Membership.objects.filter(pk=member.pk).exists()


def test_removal_tells_the_apps_above(admin_client, organisation, member):
    from accounts.events import membership_ended

    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs["user"])

    membership_ended.connect(receiver)
    try:
        admin_client.post(remove_url(organisation, member.user))
    finally:
        membership_ended.disconnect(receiver)
    assert received == [member.user]


# --- Every organisation-admin URL refuses another organisation's administrator ----------


def _org_admin_urls(organisation, member, access, join_request, invitation):
    org = {"organisation_pk": organisation.pk}
    user = {**org, "user_pk": member.user.pk}
    return {
        "accounts:org_detail": ("get", reverse("accounts:org_detail", kwargs=org)),
        "accounts:org_invite": ("post", reverse("accounts:org_invite", kwargs=org)),
        "accounts:org_invitation_cancel": (
            "post",
            reverse(
                "accounts:org_invitation_cancel", kwargs={**org, "invitation_pk": invitation.pk}
            ),
        ),
        "accounts:org_member": ("get", reverse("accounts:org_member", kwargs=user)),
        "accounts:org_member_remove": ("post", reverse("accounts:org_member_remove", kwargs=user)),
        "accounts:org_member_remove_confirm": (
            "get",
            reverse("accounts:org_member_remove", kwargs=user),
        ),
        "accounts:org_access_grant": ("post", reverse("accounts:org_access_grant", kwargs=user)),
        "accounts:org_access_revoke": (
            "post",
            reverse("accounts:org_access_revoke", kwargs={**user, "access_pk": access.pk}),
        ),
        "accounts:org_join_request_approve": (
            "post",
            reverse(
                "accounts:org_join_request_approve",
                kwargs={**org, "request_pk": join_request.pk},
            ),
        ),
        "accounts:org_join_request_refuse": (
            "post",
            reverse(
                "accounts:org_join_request_refuse",
                kwargs={**org, "request_pk": join_request.pk},
            ),
        ),
        # lifecycle's member controls on "Mon organisation"
        "lifecycle:org_member_deactivate": (
            "post",
            reverse("lifecycle:org_member_deactivate", kwargs=user),
        ),
        "lifecycle:org_member_deactivate_confirm": (
            "get",
            reverse("lifecycle:org_member_deactivate", kwargs=user),
        ),
        "lifecycle:org_member_reactivate": (
            "post",
            reverse("lifecycle:org_member_reactivate", kwargs=user),
        ),
        # privacy's "Je quitte cette organisation": only one's own membership
        "privacy:membership_quit": ("post", reverse("privacy:membership_quit", kwargs=org)),
        "privacy:membership_quit_confirm": (
            "get",
            reverse("privacy:membership_quit", kwargs=org),
        ),
    }


ORG_ADMIN_URL_NAMES = [
    "accounts:org_detail",
    "accounts:org_invite",
    "accounts:org_invitation_cancel",
    "accounts:org_member",
    "accounts:org_member_remove",
    "accounts:org_member_remove_confirm",
    "accounts:org_access_grant",
    "accounts:org_access_revoke",
    "accounts:org_join_request_approve",
    "accounts:org_join_request_refuse",
    "lifecycle:org_member_deactivate",
    "lifecycle:org_member_deactivate_confirm",
    "lifecycle:org_member_reactivate",
    "privacy:membership_quit",
    "privacy:membership_quit_confirm",
]
# Same URL as another entry, requested with GET (the confirmation page).
CONFIRMATION_PAGES = {
    "accounts:org_member_remove_confirm",
    "lifecycle:org_member_deactivate_confirm",
    "privacy:membership_quit_confirm",
}


def _organisation_urls(patterns=None, namespace=""):
    """``namespace:name`` of every project URL that takes an ``organisation_pk``."""
    from django.urls import URLResolver, get_resolver

    found = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= _organisation_urls(entry.url_patterns, inner)
        elif "organisation_pk" in getattr(entry.pattern, "converters", {}):
            found.add(f"{namespace}{entry.name}")
    return found


def test_every_org_admin_url_is_in_the_cross_organisation_test():
    """Every URL of any app that carries an organisation_pk is checked below."""
    names = _organisation_urls()
    assert "lifecycle:org_member_deactivate" in names  # the walk enters every app
    assert names == set(ORG_ADMIN_URL_NAMES) - CONFIRMATION_PAGES


@pytest.fixture
def organisation_b_objects():
    organisation_b = OrganisationFactory(legal_name="Société B")
    administrator_of(organisation_b)
    member_b = MembershipFactory(organisation=organisation_b)
    access_b = grant(member_b, "mgestion-entreprise", "gestionnaire")
    return {
        "organisation": organisation_b,
        "member": member_b,
        "access": access_b,
        "join_request": JoinRequestFactory(organisation=organisation_b),
        "invitation": InvitationFactory(organisation=organisation_b),
    }


def _assert_b_untouched(b):
    assert Membership.objects.filter(pk=b["member"].pk).exists()
    b["member"].user.refresh_from_db()
    assert b["member"].user.is_active
    assert Access.objects.filter(pk=b["access"].pk).exists()
    b["join_request"].refresh_from_db()
    assert b["join_request"].status == JoinRequest.Status.PENDING
    assert b["invitation"].__class__.objects.filter(organisation=b["organisation"]).count() == 1


@pytest.mark.parametrize("name", ORG_ADMIN_URL_NAMES)
def test_administrator_of_a_gets_404_on_every_url_of_b(admin_client, organisation_b_objects, name):
    b = organisation_b_objects
    method, url = _org_admin_urls(
        b["organisation"], b["member"], b["access"], b["join_request"], b["invitation"]
    )[name]
    data = {"email": "x@example.fr", "offer": "mcontributions:adherent"}
    response = (
        getattr(admin_client, method)(url, data) if method == "post" else admin_client.get(url)
    )
    assert response.status_code == 404
    _assert_b_untouched(b)


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in ORG_ADMIN_URL_NAMES
        if n not in ("accounts:org_detail", "accounts:org_invite")
        and not n.startswith("privacy:membership_quit")  # no id inside: A's own is legit
    ],
)
def test_ids_of_b_inside_a_urls_give_404(admin_client, organisation, organisation_b_objects, name):
    """Organisation A in the URL, but a member/access/request/invitation of B."""
    b = organisation_b_objects
    method, url = _org_admin_urls(
        organisation, b["member"], b["access"], b["join_request"], b["invitation"]
    )[name]
    data = {"offer": "mcontributions:adherent"}
    response = (
        getattr(admin_client, method)(url, data) if method == "post" else admin_client.get(url)
    )
    assert response.status_code == 404
    _assert_b_untouched(b)


@pytest.mark.parametrize("name", ORG_ADMIN_URL_NAMES)
def test_anonymous_is_sent_to_sign_in_on_every_org_admin_url(client, organisation_b_objects, name):
    b = organisation_b_objects
    method, url = _org_admin_urls(
        b["organisation"], b["member"], b["access"], b["join_request"], b["invitation"]
    )[name]
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    _assert_b_untouched(b)


def test_members_are_listed_fifty_per_page(admin_client, organisation):
    for _ in range(55):
        MembershipFactory(organisation=organisation)
    url = reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    first = admin_client.get(url)
    assert len(first.context["members"]) == 50
    assert "Page 1 sur 2 (56 membres)" in first.text
    assert len(admin_client.get(url, {"page": 2}).context["members"]) == 6


def test_posts_without_csrf_token_are_refused(admin, organisation, member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(
        reverse(
            "accounts:org_member_remove",
            kwargs={"organisation_pk": organisation.pk, "user_pk": member.user.pk},
        )
    )
    assert response.status_code == 403
    assert Membership.objects.filter(pk=member.pk).exists()


def test_sole_member_administrator_may_leave(admin_client, admin, organisation):
    response = admin_client.post(remove_url(organisation, admin))
    assert response.status_code == 302
    assert not Membership.objects.filter(user=admin).exists()
