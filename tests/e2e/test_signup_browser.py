"""A person signs up and signs in with a real browser."""

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Membership, User
from tests.accounts.factories import make_siret

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_is_french_and_usable_on_a_phone(page, live_server):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("button", name="Connexion").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


def test_a_person_signs_up_for_a_new_organisation(page, live_server):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", "lea.bernard@transports-bernard.fr")
    page.fill("input[name=password1]", "un mot de passe bien long 2026")
    page.fill("input[name=password2]", "un mot de passe bien long 2026")
    page.fill("input[name=first_name]", "Léa")
    page.fill("input[name=last_name]", "Bernard")
    page.fill("input[name=siret]", make_siret(77))
    page.select_option("select[name=organisation_kind]", "entreprise")
    page.fill("input[name=organisation_name]", "Transports Bernard")
    page.check("input[name=declaration][value=legal_representative]")
    page.check("input[name=accept_cgu]")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/confirm-email/**")
    user = User.objects.get(email="lea.bernard@transports-bernard.fr")
    assert Membership.objects.get(user=user).is_administrator
    assert not EmailAddress.objects.get(user=user).verified
