"""Granting roles: only the platform's roles, only on centralised platforms, journaled."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from platforms import services
from platforms.models import Access, Platform, Role
from tests.accounts.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def journal(settings):
    settings.ACCOUNTS_JOURNAL_WRITER = "tests.platforms.test_access_services._record"
    _ROWS.clear()
    return _ROWS


_ROWS: list[dict] = []


def _record(**kwargs):
    _ROWS.append(kwargs)


def platform(code):
    return Platform.objects.get(code=code)


def role(code):
    return Role.objects.get(code=code)


@pytest.mark.parametrize(
    ("platform_code", "role_code", "kind"),
    [
        ("mgestion-entreprise", "cabinet-comptable", "cabinet_comptable"),
        ("mgestion-of", "administrateur", "of"),
        ("mcontributions", "adherent", "entreprise"),
        ("mcampus-of", "partenaire", "cfa"),
        ("mgepp", "administrateur-cabinet-rh", "cabinet_rh"),
    ],
)
def test_role_offered_by_the_platform_is_granted(platform_code, role_code, kind):
    membership = MembershipFactory(organisation=OrganisationFactory(kind=kind))
    access = services.access_grant(
        membership=membership,
        platform=platform(platform_code),
        role=role(role_code),
        granted_by=None,
        now=timezone.now(),
    )
    assert Access.objects.get() == access


@pytest.mark.parametrize(
    ("platform_code", "role_code"),
    [
        ("mgestion-of", "adherent"),
        ("mgestion-entreprise", "consultant"),
        ("mcampus-entreprise", "partenaire"),
        ("mgepp", "gestionnaire"),
    ],
)
def test_role_not_offered_by_the_platform_is_refused(platform_code, role_code):
    membership = MembershipFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.access_grant(
            membership=membership,
            platform=platform(platform_code),
            role=role(role_code),
            granted_by=None,
            now=timezone.now(),
        )
    assert "n'est pas proposé sur la plateforme" in excinfo.value.messages[0]
    assert not Access.objects.exists()


def test_offers_are_data_that_opco_edits():
    membership = MembershipFactory()
    mgepp = platform("mgepp")
    mgepp.roles.add(role("gestionnaire"))
    services.access_grant(
        membership=membership,
        platform=mgepp,
        role=role("gestionnaire"),
        granted_by=None,
        now=timezone.now(),
    )
    assert Access.objects.count() == 1


@pytest.mark.parametrize(
    ("platform_code", "kind"),
    [
        ("mgestion-of", "entreprise"),
        ("mcampus-of", "cabinet_comptable"),
        ("mgestion-entreprise", "of"),
        ("mcampus-entreprise", "cfa"),
        ("mgepp", "cabinet_comptable"),
    ],
)
def test_platform_not_open_to_the_organisation_kind_grants_nothing(platform_code, kind):
    """Issue 15 item 12: no M-Gestion OF role for a company, nothing written."""
    membership = MembershipFactory(organisation=OrganisationFactory(kind=kind))
    with pytest.raises(ValidationError) as excinfo:
        services.access_grant(
            membership=membership,
            platform=platform(platform_code),
            role=role("administrateur"),
            granted_by=None,
            now=timezone.now(),
        )
    assert "n'est pas ouverte aux organisations de type" in excinfo.value.messages[0]
    assert not Access.objects.exists()


def test_organisation_kinds_are_data_that_opco_edits():
    membership = MembershipFactory(organisation=OrganisationFactory(kind="entreprise"))
    mgestion_of = platform("mgestion-of")
    mgestion_of.organisation_kinds = [*mgestion_of.organisation_kinds, "entreprise"]
    mgestion_of.save(update_fields=["organisation_kinds"])
    services.access_grant(
        membership=membership,
        platform=mgestion_of,
        role=role("gestionnaire"),
        granted_by=None,
        now=timezone.now(),
    )
    assert Access.objects.count() == 1


def test_platform_with_its_own_accounts_grants_nothing():
    membership = MembershipFactory()
    tutorat = platform("mtutorat")
    tutorat.roles.add(role("gestionnaire"))  # even if someone ticked a role on it
    with pytest.raises(ValidationError, match="n'est pas gérée par le centre de comptes"):
        services.access_grant(
            membership=membership,
            platform=tutorat,
            role=role("gestionnaire"),
            granted_by=None,
            now=timezone.now(),
        )
    assert not Access.objects.exists()


def test_granting_twice_keeps_one_access_and_one_journal_row(journal):
    membership = MembershipFactory()
    for _ in range(2):
        services.access_grant(
            membership=membership,
            platform=platform("mcontributions"),
            role=role("gestionnaire"),
            granted_by=None,
            now=timezone.now(),
        )
    assert Access.objects.count() == 1
    assert [row["action"] for row in journal] == ["access_granted"]
    assert journal[0]["user"] == membership.user
    assert journal[0]["data"]["platform"] == "mcontributions"


def test_revoking_deletes_the_access_once_and_journals_it(journal):
    membership = MembershipFactory()
    access = services.access_grant(
        membership=membership,
        platform=platform("mcontributions"),
        role=role("gestionnaire"),
        granted_by=None,
        now=timezone.now(),
    )
    assert services.access_revoke(access=access, revoked_by=None, now=timezone.now())
    assert not services.access_revoke(access=access, revoked_by=None, now=timezone.now())
    assert not Access.objects.exists()
    assert [row["action"] for row in journal] == ["access_granted", "access_revoked"]
