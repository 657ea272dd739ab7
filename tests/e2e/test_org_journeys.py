"""Organisation journeys at 1280 px and 360 px, axe-core on every page (issue 15).

Journey 3: an organisation administrator invites a colleague from "Mon organisation";
the colleague opens the link from the mail, signs up (address and SIRET prefilled),
verifies his address from the mail's link, accepts and lands on his page, at the organisation;
the administrator then grants him an M-Gestion role.
Journey 4: the administrator deactivates him: the pop-in states the deletion date,
"Annuler" keeps him, "Oui, désactiver" deactivates him; a member with only an
M-Campus access gets the confirmation page, without pop-in.
"""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import AccountState, Membership, Organisation, User
from legal import services as legal_services
from lifecycle import selectors as lifecycle_selectors
from platforms.models import Access, Platform, Role
from tests.accounts.factories import OrganisationFactory, UserFactory, administrator_of, make_siret
from tests.legal.factories import publish
from tests.platforms.factories import seed_platforms

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple 42"
COLLEAGUE = "noe.martin@transports-alpha.fr"
COLLEAGUE_PASSWORD = "un mot de passe bien long 2026"
WIDTHS = [1280, 360]


@pytest.fixture
def checked(assert_accessible):
    """axe-core, and nothing wider than the window (a phone scrolls only down)."""

    def check(page):
        assert_accessible(page)
        width = page.viewport_size["width"]
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{page.url}: {overflow} px wide in a {width} px window"

    return check


@pytest.fixture
def cgu():
    return publish(now=timezone.now())


def signed_up(email, *, cgu, first_name, last_name="Martin"):
    """An account as after sign-up: verified address, the CGU in force accepted."""
    user = UserFactory(email=email, first_name=first_name, last_name=last_name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    legal_services.cgu_accept(
        user=user,
        version=cgu,
        now=timezone.now(),
        ip_address=None,
        user_agent="",
        context="signup",
    )
    return user


@pytest.fixture
def organisation(cgu):
    seed_platforms()  # transactional tests flush what the migrations seeded
    organisation = OrganisationFactory(
        legal_name="Transports Alpha", siret=make_siret(6161), kind=Organisation.Kind.ENTREPRISE
    )
    administrator_of(
        organisation, signed_up("lea.admin@transports-alpha.fr", cgu=cgu, first_name="Léa")
    )
    return organisation


def sign_in(page, url, email, password=PASSWORD, *, check):
    page.goto(f"{url}/accounts/login/")
    check(page)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()


def mail_link(to, pattern, live_url):
    """The link matching ``pattern`` in the last mail sent to ``to``, on the live server."""
    body = [m for m in mail.outbox if m.to == [to]][-1].body
    link = re.search(pattern, body).group(0)
    parts = urlsplit(link)
    return f"{live_url}{parts.path}{'?' + parts.query if parts.query else ''}"


def assert_in_sight(page, locator):
    """``locator`` is on screen as the page landed, not hidden under anything (a sticky banner)."""
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    seen = locator.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " const hit = document.elementFromPoint(r.left + 4, r.top + r.height / 2);"
        " return e.contains(hit); }"
    )
    assert seen, f"{page.url}: covered where it should be read"


def open_my_organisation(page, check):
    with page.expect_navigation():
        page.get_by_role("link", name="Mon organisation").click()
    check(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_invites_a_colleague_who_signs_up_verifies_joins_and_gets_a_role(
    page, browser, live_server, checked, organisation, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, "lea.admin@transports-alpha.fr", check=checked)
    checked(page)
    open_my_organisation(page, checked)
    page.get_by_label("Adresse e-mail de la personne à inviter").fill(COLLEAGUE)
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer l'invitation").click()
    assert f"Invitation envoyée à {COLLEAGUE}" in page.content()
    checked(page)

    invitation_url = mail_link(COLLEAGUE, r"https?://\S+/invitations/[\w-]+/", live_server.url)
    other = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    try:
        colleague = other.new_page()
        colleague.set_default_timeout(10_000)
        colleague.goto(invitation_url)
        checked(colleague)
        with colleague.expect_navigation():
            colleague.locator("#contenu").get_by_role("link", name="Créer un compte").click()
        assert colleague.input_value("input[name=email]") == COLLEAGUE
        assert colleague.input_value("input[name=siret]") == organisation.siret
        notice = colleague.locator("#siret-notice")
        notice.filter(has_text="Vous êtes invité(e) à rejoindre Transports Alpha").wait_for()
        assert not colleague.locator("select[name=organisation_kind]").is_visible()
        assert not colleague.locator("input[name=organisation_name]").is_visible()
        checked(colleague)
        colleague.fill("input[name=password1]", COLLEAGUE_PASSWORD)
        colleague.fill("input[name=password2]", COLLEAGUE_PASSWORD)
        colleague.fill("input[name=first_name]", "Noé")
        colleague.fill("input[name=last_name]", "Martin")
        colleague.check("input[name=declaration][value=authorised]")
        colleague.check("input[name=accept_cgu]")
        with colleague.expect_navigation():
            colleague.get_by_role("button", name="Créer mon compte").click()
        assert colleague.locator("#signup-invitation-notice").is_visible()
        assert not colleague.locator("#signup-join-notice").count()
        checked(colleague)

        colleague.goto(mail_link(COLLEAGUE, r"https?://\S+/confirm-email/\S+/", live_server.url))
        checked(colleague)
        with colleague.expect_navigation():
            colleague.get_by_role("button", name="Confirmer").click()
        assert "/accounts/login/?next=%2Finvitations%2F" in colleague.url
        checked(colleague)
        colleague.fill("input[name=login]", COLLEAGUE)
        colleague.fill("input[name=password]", COLLEAGUE_PASSWORD)
        with colleague.expect_navigation():
            colleague.get_by_role("button", name="Connexion").click()
        assert "/invitations/" in colleague.url
        checked(colleague)
        with colleague.expect_navigation():
            colleague.get_by_role("button", name="Rejoindre l'organisation").click()
        assert colleague.url == f"{live_server.url}/"
        card = colleague.locator(f"#organisation-{organisation.pk}")
        assert "Transports Alpha" in card.inner_text()
        assert_in_sight(colleague, card.locator("h3"))
        assert "Vous avez rejoint Transports Alpha." in colleague.content()
        assert not colleague.locator("#no-organisation").count()
        checked(colleague)
    finally:
        other.close()

    noe = User.objects.get(email=COLLEAGUE)
    assert Membership.objects.filter(user=noe, organisation=organisation).exists()
    assert not noe.join_requests.exists()

    page.goto(f"{live_server.url}/mon-organisation/{organisation.pk}/")
    checked(page)
    with page.expect_navigation():
        page.locator("tr", has_text=COLLEAGUE).get_by_role("link", name="Gérer").click()
    checked(page)
    page.get_by_label("Plateforme et rôle").select_option("mgestion-entreprise:gestionnaire")
    with page.expect_navigation():
        page.get_by_role("button", name="Accorder").click()
    assert "Habilitation accordée : M-Gestion Entreprise — Gestionnaire." in page.content()
    checked(page)
    assert Access.objects.filter(
        membership__user=noe, platform__code="mgestion-entreprise", role__code="gestionnaire"
    ).exists()


def member_with(organisation, email, first_name, platform_code, *, cgu):
    user = signed_up(email, cgu=cgu, first_name=first_name)
    membership = Membership.objects.create(
        user=user, organisation=organisation, created_at=timezone.now()
    )
    Access.objects.create(
        membership=membership,
        platform=Platform.objects.get(code=platform_code),
        role=Role.objects.get(code="gestionnaire"),
    )
    return user


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_deactivates_with_the_dated_popin_and_without_it_for_m_campus_only(
    page, live_server, checked, organisation, cgu, width
):
    page.set_viewport_size({"width": width, "height": 900})
    noe = member_with(organisation, COLLEAGUE, "Noé", "mgestion-entreprise", cgu=cgu)
    sam = member_with(
        organisation, "sam.campus@transports-alpha.fr", "Sam", "mcampus-entreprise", cgu=cgu
    )
    deletion_date = lifecycle_selectors.deletion_date_if_deactivated(now=timezone.now())
    sign_in(page, live_server.url, "lea.admin@transports-alpha.fr", check=checked)
    open_my_organisation(page, checked)

    row = page.locator("tr", has_text=COLLEAGUE)
    dialog = page.locator(f"#lifecycle-popin-{noe.pk}")
    row.get_by_role("link", name="Désactiver").click()
    dialog.wait_for(state="visible")
    assert f"le {deletion_date}" in dialog.inner_text()
    checked(page)
    dialog.get_by_role("button", name="Annuler").click()
    dialog.wait_for(state="hidden")
    noe.refresh_from_db()
    assert noe.state == AccountState.ACTIVE and noe.is_active

    row.get_by_role("link", name="Désactiver").click()
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Oui, désactiver").click()
    assert "Compte désactivé : Noé Martin." in page.content()
    checked(page)
    noe.refresh_from_db()
    assert noe.state == AccountState.DEACTIVATED and not noe.is_active

    assert not page.locator(f"#lifecycle-popin-{sam.pk}").count()
    with page.expect_navigation():
        page.locator("tr", has_text=sam.email).get_by_role("link", name="Désactiver").click()
    assert f"/membres/{sam.pk}/desactiver/" in page.url
    assert f"le {deletion_date}" in page.locator("#lifecycle-deletion-date").inner_text()
    assert not page.locator("dialog").count()
    checked(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Oui, désactiver").click()
    checked(page)
    sam.refresh_from_db()
    assert sam.state == AccountState.DEACTIVATED
