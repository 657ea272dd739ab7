"""Signing up with a SIRET that already has an account says so (issue 15 item 7)."""

import pytest
from django.urls import reverse

from accounts.models import JoinRequest

from .factories import MembershipFactory, OrganisationFactory, make_siret
from .test_signup import signup_data

pytestmark = pytest.mark.django_db
NOTICE = "Cet établissement a déjà un compte : votre demande sera envoyée à son administrateur."
CHECK = "accounts:signup_siret_check"


@pytest.fixture
def administered():
    organisation = OrganisationFactory(siret=make_siret(777), legal_name="Transports Martin")
    MembershipFactory(organisation=organisation, is_administrator=True)
    return organisation


def test_the_form_checks_the_siret_as_soon_as_it_is_typed(client, administered):
    page = client.get(reverse("account_signup")).text
    assert 'id="siret-notice"' in page and "js/signup-siret.js" in page
    known = client.get(reverse(CHECK), {"siret": administered.siret}).json()
    assert known == {"notice": NOTICE}
    assert client.get(reverse(CHECK), {"siret": make_siret(778)}).json() == {"notice": ""}
    assert client.get(reverse(CHECK), {"siret": "123"}).json() == {"notice": ""}


def test_a_known_siret_without_administrator_gives_no_notice(client):
    """The first account of such an establishment becomes its administrator."""
    organisation = OrganisationFactory(siret=make_siret(779))
    assert client.get(reverse(CHECK), {"siret": organisation.siret}).json() == {"notice": ""}


def test_the_notice_is_on_the_form_shown_again_after_an_error(client, administered):
    """Without JavaScript: a form with another error shows the notice under the SIRET."""
    response = client.post(
        reverse("account_signup"), signup_data(siret=administered.siret, accept_cgu="")
    )
    assert response.status_code == 200
    assert NOTICE.replace("'", "&#x27;") in response.text or NOTICE in response.text


def test_the_confirmation_page_says_the_request_goes_to_the_administrator(client, administered):
    response = client.post(
        reverse("account_signup"), signup_data(siret=administered.siret), follow=True
    )
    assert JoinRequest.objects.filter(organisation=administered).exists()
    assert 'id="signup-join-notice"' in response.text
    assert "Transports Martin" in response.text
    assert "votre demande sera envoyée à son administrateur" in response.text


def test_a_new_establishment_gets_no_join_notice(client):
    response = client.post(reverse("account_signup"), signup_data(), follow=True)
    assert 'id="signup-join-notice"' not in response.text


def test_the_live_check_is_throttled_per_address(client, settings, administered):
    settings.ACCOUNTS_SIRET_CHECK_PER_MINUTE = 3
    for _ in range(3):
        assert client.get(reverse(CHECK), {"siret": administered.siret}).status_code == 200
    assert client.get(reverse(CHECK), {"siret": administered.siret}).status_code == 429
