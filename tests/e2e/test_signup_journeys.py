"""Sign-up journeys at 1280 px and 360 px, axe-core on every page (issue 15).

Journey 1: a person signs up with a bad then a good SIRET, ticks the CGU box,
follows the verification link of the mail she was sent, and signs in for the
first time as her organisation's administrator. Journey 2: a colleague signs up
with the SIRET of an establishment that already has an account; the form and the
confirmation page say the request goes to its administrator, who approves it.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import JoinRequest, Membership, Organisation
from legal import services as legal_services
from tests.accounts.factories import OrganisationFactory, UserFactory, administrator_of, make_siret
from tests.legal.factories import publish

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "un mot de passe bien long 2026"
WIDTHS = [1280, 360]
JOIN_NOTICE = (
    "Cet établissement a déjà un compte : votre demande sera envoyée à son administrateur"
)


def bad_check_digit(siret: str) -> str:
    """The same SIRET with its last digit changed: the SIREN is fine, the key is not."""
    return siret[:-1] + str((int(siret[-1]) + 1) % 10)


def fill_identity(page, *, email, first_name, last_name, siret):
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=first_name]", first_name)
    page.fill("input[name=last_name]", last_name)
    page.fill("input[name=siret]", siret)


def submit(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Créer mon compte").click()


def link_in_last_mail(to: str) -> str:
    """The verification link of the last mail sent to ``to`` (text part)."""
    sent = [m for m in mail.outbox if to in m.to]
    assert sent, f"no mail to {to}: {[m.to for m in mail.outbox]}"
    links = re.findall(r"https?://\S+/accounts/confirm-email/\S+", sent[-1].body)
    assert links, sent[-1].body
    return links[0]


def sign_in(page, url, email, *, check):
    page.goto(f"{url}/accounts/login/")
    check(page)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()


def verify_from_mail(page, email, *, check):
    page.goto(link_in_last_mail(email))
    check(page)
    assert "/accounts/confirm-email/" in page.url
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer").click()
    check(page)
    assert EmailAddress.objects.get(email=email).verified


@pytest.mark.parametrize("width", WIDTHS)
def test_journey_1_sign_up_verify_and_first_sign_in_as_administrator(
    page, live_server, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})
    publish(now=timezone.now())
    email = "lea.bernard@transports-bernard.fr"
    siret = make_siret(77)

    page.goto(f"{live_server.url}/accounts/signup/")
    assert_accessible(page)
    fill_identity(
        page, email=email, first_name="Léa", last_name="Bernard", siret=bad_check_digit(siret)
    )
    page.select_option("select[name=organisation_kind]", "entreprise")
    page.fill("input[name=organisation_name]", "Transports Bernard")
    page.check("input[name=declaration][value=legal_representative]")
    # The CGU box starts unticked and is required: the browser does not send the form.
    assert not page.is_checked("input[name=accept_cgu]")
    page.get_by_role("button", name="Créer mon compte").click()
    assert page.evaluate("document.querySelector('input[name=accept_cgu]').validity.valueMissing")
    assert "/accounts/signup/" in page.url
    page.check("input[name=accept_cgu]")
    submit(page)
    errors = page.locator("form.signup .errorlist").all_inner_texts()
    assert errors == ["Ce numéro SIRET n'est pas valide (clé de contrôle incorrecte)."], errors
    assert not Organisation.objects.exists()
    assert_accessible(page)
    # What she typed is kept, passwords included; only the SIRET needs correcting.
    assert page.input_value("input[name=organisation_name]") == "Transports Bernard"
    assert page.input_value("input[name=password1]") == PASSWORD
    page.fill("input[name=siret]", siret)
    assert page.locator("#siret-notice").inner_text() == ""  # a new establishment
    if not page.is_checked("input[name=accept_cgu]"):
        page.check("input[name=accept_cgu]")
    submit(page)
    assert "/accounts/confirm-email/" in page.url
    assert page.locator("#signup-join-notice").count() == 0
    assert_accessible(page)
    assert Membership.objects.get(user__email=email, organisation__siret=siret).is_administrator

    verify_from_mail(page, email, check=assert_accessible)

    sign_in(page, live_server.url, email, check=assert_accessible)
    assert page.url.rstrip("/") == live_server.url, page.url  # his space, not a gate
    assert "Bonjour Léa Bernard" in page.locator("h1").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Mon organisation").click()
    assert "Transports Bernard" in page.locator("h1").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_journey_2_existing_siret_becomes_a_request_the_administrator_approves(
    page, browser, live_server, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})
    version = publish(now=timezone.now())
    siret = make_siret(78)
    organisation = OrganisationFactory(siret=siret, legal_name="Autocars Martin")
    admin = UserFactory(email="paul.martin@autocars-martin.fr", first_name="Paul")
    admin.set_password(PASSWORD)
    admin.save(update_fields=["password"])
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    administrator_of(organisation, admin)
    legal_services.cgu_accept(
        user=admin,
        version=version,
        now=timezone.now(),
        ip_address=None,
        user_agent="",
        context="signup",
    )
    email = "nina.roux@autocars-martin.fr"

    page.goto(f"{live_server.url}/accounts/signup/")
    fill_identity(page, email=email, first_name="Nina", last_name="Roux", siret=siret)
    # As soon as the SIRET is known, before any submit.
    page.locator("#siret-notice").filter(has_text=JOIN_NOTICE).wait_for()
    assert_accessible(page)
    page.check("input[name=declaration][value=authorised]")
    page.check("input[name=accept_cgu]")
    submit(page)
    assert "/accounts/confirm-email/" in page.url
    confirmation = page.locator("#signup-join-notice").inner_text()
    assert "Cet établissement (Autocars Martin) a déjà un compte : votre demande sera " in (
        confirmation
    )
    assert "envoyée à son administrateur." in confirmation
    assert_accessible(page)
    join_request = JoinRequest.objects.get(user__email=email, organisation=organisation)
    assert join_request.status == "pending"
    assert not Membership.objects.filter(user__email=email).exists()

    verify_from_mail(page, email, check=assert_accessible)

    other = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    try:
        second = other.new_page()
        sign_in(second, live_server.url, admin.email, check=assert_accessible)
        assert_accessible(second)
        with second.expect_navigation():
            second.get_by_role("link", name="Mon organisation").click()
        assert "Nina Roux" in second.locator("main").inner_text()
        assert_accessible(second)
        with second.expect_navigation():
            second.get_by_role("button", name="Accepter la demande de Nina Roux").click()
        assert "Nina Roux a rejoint l'organisation." in second.content()
        assert_accessible(second)
    finally:
        other.close()
    join_request.refresh_from_db()
    assert join_request.status == "approved"
    membership = Membership.objects.get(user__email=email, organisation=organisation)
    assert not membership.is_administrator

    sign_in(page, live_server.url, email, check=assert_accessible)
    assert "Autocars Martin" in page.locator("main").inner_text()
    assert "attend la validation" not in page.content()
    assert_accessible(page)
