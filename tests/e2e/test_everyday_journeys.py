"""Everyday journeys at 1280 px and 360 px, axe-core on every page visited (issue 15).

Journey 7: the cookie banner refused in one click, then accepted from the cookie page.
Journey 8: "Mes données" downloaded and opened: readable French, the person's email.
Item 9: a new OPCO agent without a second factor reads why, sets up TOTP, sees his
recovery codes and continues to the back-office.
"""

import json
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from legal.models import ConsentRecord
from tests.accounts.factories import OrganisationFactory, UserFactory, administrator_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple 42"
WIDTHS = [1280, 360]


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(page, url, email, *, next_url="/", check):
    page.goto(f"{url}/accounts/login/?next={next_url}")
    check(page)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()


def no_horizontal_overflow(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} overflows by {overflow} px"


@pytest.mark.parametrize("width", WIDTHS)
def test_cookie_banner_refused_in_one_click_then_accepted_from_the_cookie_page(
    page, live_server, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    banner = page.locator("#cookie-banner")
    assert banner.is_visible()
    assert_accessible(page)
    # One click; the banner closes in place (cookies.js sends the choice with fetch).
    banner.get_by_role("button", name="Tout refuser").click()
    banner.wait_for(state="hidden")
    assert ConsentRecord.objects.get().categories.get("audience") is False
    page.reload()
    assert page.locator("#cookie-banner").count() == 0  # the choice is remembered
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Gestion des cookies").click()
    assert "Mesure d'audience : refusée." in page.content()
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Tout accepter").click()
    assert "/cookies/" in page.url
    assert "Mesure d'audience : acceptée." in page.content()
    assert page.locator("#cookie-banner").count() == 0
    latest = ConsentRecord.objects.order_by("-recorded_at", "-pk").first()
    assert latest.categories.get("audience") is True
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_my_data_downloaded_and_opened_reads_in_french(
    page, live_server, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})
    person = verified(
        UserFactory(email="camille.durand@logistique-nouvelle.fr", first_name="Camille")
    )
    administrator_of(OrganisationFactory(legal_name="Logistique Nouvelle SAS"), person)
    sign_in(page, live_server.url, person.email, check=assert_accessible)
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Mes données personnelles").first.click()
    assert_accessible(page)
    no_horizontal_overflow(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger mes données (JSON)").click()
    download = info.value
    assert download.suggested_filename.startswith("mes-donnees-")
    with open(download.path(), encoding="utf-8") as handle:
        text = handle.read()
    data = json.loads(text)
    assert data["Titulaire"] == person.email
    sections = data["Rubriques"]
    assert sections["Profil"]["Prénom"] == "Camille"
    assert sections["Organisations et habilitations"][0]["Organisation"] == (
        "Logistique Nouvelle SAS"
    )
    assert "Journal des comptes" in sections
    for internal in ["accounts.", "lifecycle.", "membership_created", '"first_name"']:
        assert internal not in text, internal


@pytest.mark.parametrize("width", WIDTHS)
def test_new_agent_reads_why_sets_up_totp_and_continues_to_the_back_office(
    page, live_server, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})
    # A superuser: transactional tests flush the staff groups the migrations create.
    agent = verified(
        UserFactory(
            email="nouvel.agent@opcomobilites.fr", is_staff=True, is_superuser=True, mfa=False
        )
    )
    sign_in(page, live_server.url, agent.email, next_url="/admin/", check=assert_accessible)
    assert "/securite/double-authentification/" in page.url, page.url
    assert "Un mot de passe seul peut être deviné" in page.content()
    assert_accessible(page)
    no_horizontal_overflow(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Configurer mon application d'authentification").click()
    assert page.locator("img.totp-qr").is_visible()
    assert_accessible(page)
    no_horizontal_overflow(page)
    secret = page.locator("#totp-secret").inner_text().strip()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    page.get_by_label("Code à 6 chiffres affiché par l'application").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Activer la double authentification").click()
    assert "/2fa/recovery-codes/" in page.url, page.url
    assert page.locator("#recovery_codes").input_value().strip()
    assert_accessible(page)
    no_horizontal_overflow(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Continuer vers le back-office").click()
    assert page.url.endswith("/admin/"), page.url
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_sessions_page_names_the_browser_and_fits_the_screen(
    page, live_server, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})
    person = verified(UserFactory(email="bruno@transports-demo.fr"))
    sign_in(page, live_server.url, person.email, check=assert_accessible)
    with page.expect_navigation():
        page.get_by_role("link", name="Mes sessions : se déconnecter partout").click()
    assert "Chrome sur Linux" in page.locator("main").inner_text()
    assert_accessible(page)
    no_horizontal_overflow(page)
    header = page.locator(".site-header nav")
    home_box = header.get_by_role("link", name="Mon espace").bounding_box()
    out_box = header.get_by_role("button", name="Se déconnecter").bounding_box()
    same_row = abs(home_box["y"] - out_box["y"]) < home_box["height"]
    if same_row or width == 1280:  # on a phone the links may wrap to two rows
        home_middle = home_box["y"] + home_box["height"] / 2
        assert abs(home_middle - (out_box["y"] + out_box["height"] / 2)) <= 2
