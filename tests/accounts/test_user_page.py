"""The end user's back-office page: his whole file, and no staff field (issue 15 item 1)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from legal.models import CGUAcceptance, CGUVersion, ConsentRecord
from lifecycle import services as lifecycle_services
from lifecycle.models import DeactivationReason
from platforms.models import Platform
from privacy.models import ProofRequest
from tests.legal.factories import publish
from tests.platforms.factories import grant

from .factories import OrganisationFactory, UserFactory, with_second_factor

pytestmark = pytest.mark.django_db

STAFF_LABELS = [
    "Statut super-utilisateur",
    "super-utilisateur",
    "Permissions de l",  # "Permissions de l'utilisateur"
    'name="is_staff"',
    'name="is_superuser"',
    'name="groups"',
    'name="user_permissions"',
    "Can add",
]


def accepted_terms(user):
    """``user`` has accepted every published CGU version (the gate lets him through)."""
    for version in CGUVersion.objects.exclude(published_at=None):
        CGUAcceptance.objects.create(
            user=user,
            version=version,
            version_hash=version.text_hash,
            accepted_at=timezone.now(),
            context=CGUAcceptance.Context.REACCEPTANCE,
        )
    return user


def agent():
    user = with_second_factor(UserFactory(is_staff=True))
    user.groups.add(Group.objects.get(name="Agent OPCO"))
    return accepted_terms(User.objects.get(pk=user.pk))


@pytest.fixture
def person():
    """An end user with an organisation, two accesses, a CGU acceptance, a consent, a proof."""
    now = timezone.now()
    user = UserFactory(email="claire.durand@transports.fr", first_name="Claire")
    organisation = OrganisationFactory(legal_name="Transports Durand")
    grant(
        user=user,
        platform=Platform.objects.get(code="mgestion-entreprise"),
        role_code="gestionnaire",
        organisation=organisation,
    )
    grant(
        user=user,
        platform=Platform.objects.get(code="mcontributions"),
        role_code="gestionnaire",
        organisation=organisation,
    )
    version = publish(now=now, label="Février 2025 (version 2)")
    CGUAcceptance.objects.create(
        user=user,
        version=version,
        version_hash=version.text_hash,
        accepted_at=now,
        context=CGUAcceptance.Context.SIGNUP,
    )
    ConsentRecord.objects.create(
        user=user,
        categories={"necessary": True, "audience": False},
        notice_version="2025-02",
        recorded_at=now,
    )
    ProofRequest.objects.create(
        user=user, organisation=organisation, due_at=now + dt.timedelta(days=30)
    )
    lifecycle_services.account_deactivate(
        user=user, actor=None, now=now, reason=DeactivationReason.OPCO
    )
    return user


def test_end_user_page_shows_his_whole_file(client, person):
    client.force_login(agent())
    response = client.get(reverse("admin:accounts_user_change", args=[person.pk]))
    assert response.status_code == 200
    page = response.text
    # identity, editable
    assert 'name="first_name"' in page and 'value="Claire"' in page
    # state and lifecycle: state, next step and its date, the journal
    assert "Désactivé" in page
    assert "Suppression définitive" in page
    assert "Journal du compte" in page
    # organisations with their accesses
    assert "Transports Durand" in page
    assert "M-Gestion Entreprise : Gestionnaire" in page
    assert "M-Contributions : Gestionnaire" in page
    # CGU acceptances, consents, proofs
    assert "Février 2025 (version 2)" in page
    assert "mesure d&#x27;audience : non" in page
    assert "Justificatifs de pouvoir" in page
    assert "En attente du justificatif" in page


@pytest.mark.parametrize("superuser", [False, True])
def test_end_user_page_has_no_staff_field(client, person, superuser):
    viewer = agent()
    if superuser:
        User.objects.filter(pk=viewer.pk).update(is_superuser=True)
    client.force_login(viewer)
    page = client.get(reverse("admin:accounts_user_change", args=[person.pk])).text
    for label in STAFF_LABELS:
        assert label not in page, label


def test_state_and_staff_status_cannot_be_posted_on_the_end_user_page(client):
    """A forged POST (is_active, is_staff, is_superuser) changes only the identity."""
    viewer = with_second_factor(UserFactory(is_staff=True, is_superuser=True))
    client.force_login(viewer)
    target = UserFactory()
    response = client.post(
        reverse("admin:accounts_user_change", args=[target.pk]),
        {
            "email": target.email,
            "first_name": "Claire",
            "last_name": "Durand",
            "phone": "",
            "is_active": "",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [Group.objects.get(name="Administrateur OPCO").pk],
            **inline_management_forms(client, target),
        },
    )
    assert response.status_code == 302, response.text
    target.refresh_from_db()
    assert target.first_name == "Claire"
    assert target.is_active and not target.is_staff and not target.is_superuser
    assert not target.groups.exists()


def inline_management_forms(client, user) -> dict:
    """The inline formsets' management fields, as the page renders them."""
    import re

    page = client.get(reverse("admin:accounts_user_change", args=[user.pk])).text
    return dict(
        re.findall(
            r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d+)"', page
        )
    )


def test_a_staff_account_opened_from_the_user_list_goes_to_the_staff_page(client):
    administrator = with_second_factor(UserFactory(is_staff=True))
    administrator.groups.add(Group.objects.get(name="Administrateur OPCO"))
    colleague = UserFactory(is_staff=True)
    client.force_login(administrator)
    response = client.get(reverse("admin:accounts_user_change", args=[colleague.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_staffuser_change", args=[colleague.pk])


def test_end_user_page_dates_his_next_step(client):
    """The lifecycle panel names the next step and its date (Paris time)."""
    last_active = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
    person = UserFactory(last_activity_at=last_active, date_joined=last_active)
    client.force_login(agent())
    page = client.get(reverse("admin:accounts_user_change", args=[person.pk])).text
    # 24 months after the last activity, on the Paris wall clock (UTC+1 in March).
    assert "Avertissement d&#x27;inactivité : 14/03/2028 10:30" in page
