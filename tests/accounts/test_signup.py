"""Sign-up: organisation by SIRET, CGU box, email uniqueness, first administrator."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import JoinRequest, Membership, Organisation, User

from .factories import MembershipFactory, OrganisationFactory, UserFactory, make_siret

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "email": "claire.durand@transports-durand.fr",
        "password1": "un mot de passe bien long 2026",
        "password2": "un mot de passe bien long 2026",
        "first_name": "Claire",
        "last_name": "Durand",
        "siret": make_siret(4242),
        "organisation_kind": "entreprise",
        "organisation_name": "Transports Durand",
        "declaration": "legal_representative",
        "accept_cgu": "on",
    }
    data.update(overrides)
    return data


def test_signup_page_is_in_french(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "J&#x27;accepte les Conditions Générales d&#x27;Utilisation" in response.text or (
        "J'accepte les Conditions Générales d'Utilisation" in response.text
    )


def test_signup_with_valid_siret_creates_account_and_organisation(client):
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="claire.durand@transports-durand.fr")
    organisation = Organisation.objects.get(siret=make_siret(4242))
    assert organisation.siren == make_siret(4242)[:9]
    assert organisation.legal_name == "Transports Durand"
    membership = Membership.objects.get(user=user, organisation=organisation)
    assert membership.is_administrator
    assert membership.is_legal_representative
    assert user.has_perm("accounts.manage_organisation", organisation)


def test_signup_requires_email_verification(client):
    client.post(reverse("account_signup"), signup_data())
    assert not EmailAddress.objects.get(email="claire.durand@transports-durand.fr").verified


@pytest.mark.parametrize(
    ("siret", "message"),
    [
        ("1234", "Le SIRET doit comporter exactement 14 chiffres."),
        ("7328293200007X", "Le SIRET doit comporter exactement 14 chiffres."),
        ("73282932000075", "clé de contrôle incorrecte"),
        ("73282931000074", "son SIREN (9 premiers chiffres) est incorrect"),
        ("35600000000014", "clé de contrôle incorrecte"),
    ],
)
def test_signup_with_invalid_siret_shows_french_error_and_creates_nothing(client, siret, message):
    response = client.post(reverse("account_signup"), signup_data(siret=siret))
    assert response.status_code == 200
    assert message in response.text
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


def test_signup_without_ticking_cgu_is_refused(client):
    data = signup_data()
    del data["accept_cgu"]
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert "Vous devez accepter les Conditions Générales d" in response.text
    assert not User.objects.exists()


def test_cgu_box_is_unticked_on_the_form(client):
    response = client.get(reverse("account_signup"))
    box = response.text.split('name="accept_cgu"')[0].rsplit("<input", 1)[1]
    assert "checked" not in box


def test_email_is_unique_regardless_of_case(client):
    UserFactory(email="claire.durand@transports-durand.fr")
    response = client.post(
        reverse("account_signup"), signup_data(email="Claire.DURAND@Transports-Durand.fr")
    )
    assert User.objects.filter(email__iexact="claire.durand@transports-durand.fr").count() == 1
    # Enumeration-neutral: allauth answers as for a new address (mail goes to the owner).
    assert response.status_code in (200, 302)


def test_email_uniqueness_is_a_database_constraint():
    from django.db import IntegrityError, transaction

    UserFactory(email="a@example.fr")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="A@EXAMPLE.FR", first_name="x", last_name="y")


def test_joining_an_administered_organisation_creates_a_pending_request(client):
    organisation = OrganisationFactory(siret=make_siret(4242))
    MembershipFactory(organisation=organisation, is_administrator=True)
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="claire.durand@transports-durand.fr")
    assert not Membership.objects.filter(user=user).exists()
    request = JoinRequest.objects.get(user=user)
    assert request.organisation == organisation
    assert request.status == JoinRequest.Status.PENDING


def test_known_siret_needs_no_kind_or_name(client):
    OrganisationFactory(siret=make_siret(4242))
    response = client.post(
        reverse("account_signup"),
        signup_data(organisation_kind="", organisation_name=""),
    )
    assert response.status_code == 302


def test_unknown_siret_needs_kind_and_name(client):
    response = client.post(
        reverse("account_signup"), signup_data(organisation_kind="", organisation_name="")
    )
    assert response.status_code == 200
    assert "Indiquez le type de votre organisation." in response.text
    assert not User.objects.exists()
