"""Query counts do not grow with the number of users (2,000 seeded with bulk_create)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from platforms.models import Access, Platform, Role

from .factories import OrganisationFactory, UserFactory, administrator_of, with_second_factor

pytestmark = pytest.mark.django_db

SEEDED = 2_000


def seed_members(organisation, count):
    """``count`` users, each a member of ``organisation`` with two accesses (bulk inserts)."""
    now = timezone.now()
    start = User.objects.count()
    User.objects.bulk_create(
        [
            User(
                email=f"membre{start + i}@exemple.fr",
                first_name="Membre",
                last_name=f"Durand{start + i:05d}",
                password="!",
                date_joined=now,
            )
            for i in range(count)
        ],
        batch_size=500,
    )
    users = User.objects.filter(email__startswith="membre").exclude(memberships__isnull=False)
    Membership.objects.bulk_create(
        [Membership(user=user, organisation=organisation, created_at=now) for user in users],
        batch_size=500,
    )
    gestion = Platform.objects.get(code="mgestion-entreprise")
    contributions = Platform.objects.get(code="mcontributions")
    gestionnaire = Role.objects.get(code="gestionnaire")
    Access.objects.bulk_create(
        [
            Access(membership=m, platform=p, role=gestionnaire, granted_at=now)
            for m in Membership.objects.filter(organisation=organisation, accesses__isnull=True)
            for p in (gestion, contributions)
        ],
        batch_size=500,
    )


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def superuser_client(client):
    superuser = UserFactory(is_staff=True, is_superuser=True, email="su@opco.fr")
    client.force_login(with_second_factor(superuser))
    client.get(reverse("admin:index"))  # the first request records the user session
    return client


# Pinned counts: if one grows, something became N+1 (or a new middleware queries).
# 6: session, user, the sidebar's platforms and roles, the page's rows (no count:
# accounts.admin.LookAheadPaginator), the site settings. The user-session row is
# rewritten at most every 5 minutes (accounts.middleware.ThrottledUserSessionsMiddleware)
# and the maintenance schedule is cached per process: no query of their own on a page.
ADMIN_USER_LIST_QUERIES = 6
ADMIN_USER_SEARCH_QUERIES = 6
# 14: members' users are prefetched (one query) annotated with whether their deactivation
# needs lifecycle's dated pop-in, instead of joined; the pop-in costs no query per member.
ORGANISATION_PAGE_QUERIES = 9  # 14 before the user-session row was throttled


def test_admin_user_list_query_count_is_pinned_with_2000_users(
    superuser_client, django_assert_num_queries
):
    organisation = OrganisationFactory()
    url = reverse("admin:accounts_user_changelist")
    seed_members(organisation, 5)
    few = count_queries(superuser_client, url), count_queries(superuser_client, url, {"q": "d"})
    seed_members(organisation, SEEDED)
    assert User.objects.count() > SEEDED
    with django_assert_num_queries(ADMIN_USER_LIST_QUERIES):
        response = superuser_client.get(url)
    assert len(response.context["cl"].result_list) == 50
    with django_assert_num_queries(ADMIN_USER_SEARCH_QUERIES):
        response = superuser_client.get(url, {"q": "durand01"})
    assert len(response.context["cl"].result_list) == 50
    assert few == (ADMIN_USER_LIST_QUERIES, ADMIN_USER_SEARCH_QUERIES)


def test_admin_user_list_never_counts_and_pages_on_to_the_last_page(superuser_client):
    """No COUNT at all: each page reads its 50 rows and one more, which says a next page exists.

    The agent sees "au moins N" until the page where the list ends, where the
    figure is exact; every page is reachable by paging on.
    """
    seed_members(OrganisationFactory(), 600)
    url = reverse("admin:accounts_user_changelist")
    total = User.objects.count()  # 600 members and the superuser
    last = (total - 1) // 50 + 1
    for page, shown in [(1, 51), (6, 301)]:
        with CaptureQueriesContext(connection) as queries:
            response = superuser_client.get(url, {"p": page})
        assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
        assert response.context["cl"].result_count == shown
        assert len(response.context["cl"].result_list) == 50
        assert f"au moins {shown} utilisateurs" in response.content.decode()
        assert f"?p={page + 1}" in response.content.decode()  # the next page's link
    response = superuser_client.get(url, {"p": last})
    assert response.context["cl"].result_count == total
    assert len(response.context["cl"].result_list) == total - (last - 1) * 50
    assert f"{total} utilisateurs" in response.content.decode()
    assert "au moins" not in response.content.decode()
    beyond = superuser_client.get(url, {"p": last + 1})
    assert beyond.status_code == 302  # Django's "?e=1": no such page


def test_admin_user_list_offers_no_show_all_and_no_facet_counts_for_a_long_list(superuser_client):
    """ "Tout afficher" would render the whole table, facets count it per filter value."""
    seed_members(OrganisationFactory(), 120)
    url = reverse("admin:accounts_user_changelist")

    response = superuser_client.get(url, {"all": ""})

    assert len(response.context["cl"].result_list) == 50
    assert not response.context["cl"].can_show_all
    with CaptureQueriesContext(connection) as queries:
        response = superuser_client.get(url, {"_facets": "1"})
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    assert not response.context["cl"].add_facets


def test_organisation_page_query_count_does_not_grow_with_members(client):
    organisation = OrganisationFactory()
    admin = administrator_of(organisation)
    client.force_login(admin)
    client.get(reverse("home"))  # the first request records the user session
    url = reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    seed_members(organisation, 5)
    few = count_queries(client, url)
    seed_members(organisation, SEEDED)
    assert Membership.objects.filter(organisation=organisation).count() > SEEDED
    many = count_queries(client, url)
    assert few == many == ORGANISATION_PAGE_QUERIES


# The signed-in home page (the load mix's most frequent request, docs/benchmarks.md):
# session, user, administered organisations, invitations, memberships, their accesses,
# join requests, the two privacy notices, SAML platforms, MFA. The security panel reads
# the memberships already listed (a query fewer).
HOME_QUERIES = 12  # 11 + the platforms of "Mes services en ligne" (its own pin: 2)


def _home_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries), response


def test_home_page_query_count_is_pinned_and_does_not_grow_with_memberships(client):
    gestion = Platform.objects.get(code="mgestion-entreprise")
    contributions = Platform.objects.get(code="mcontributions")
    gestionnaire = Role.objects.get(code="gestionnaire")
    user = administrator_of(OrganisationFactory())
    # With an access (someone without one is also told whom to ask: one more query).
    Access.objects.create(membership=user.memberships.get(), platform=gestion, role=gestionnaire)
    client.force_login(user)
    client.get(reverse("home"))  # the first request records the user session
    one, _ = _home_queries(client)
    for _ in range(4):
        membership = Membership.objects.create(user=user, organisation=OrganisationFactory())
        for platform in (gestion, contributions):
            Access.objects.create(membership=membership, platform=platform, role=gestionnaire)
    five, response = _home_queries(client)

    assert one == five == HOME_QUERIES
    assert response.content.decode().count("Gestionnaire") >= 8


def test_home_page_still_recommends_mfa_to_an_organisation_administrator(client):
    administrator = administrator_of(OrganisationFactory())
    member = UserFactory()
    Membership.objects.create(user=member, organisation=OrganisationFactory())
    pages = {}
    for user in (administrator, member):
        client.force_login(user)
        pages[user] = client.get(reverse("home")).context["recommend_mfa"]

    assert pages == {administrator: True, member: False}
