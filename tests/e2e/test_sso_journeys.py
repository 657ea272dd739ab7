"""Single sign-on journeys at 1280 px and 360 px, axe-core on every page (issue 15).

The demo platform (``examples/demo_platform``, mozilla-django-oidc) runs in a
subprocess on a free port against the live account centre (its issuer), with its
own SQLite database; its OIDC client is registered in the test database.

Journey 9: sign in from the demo platform and come back, the roles shown there;
signing out of either side ends both. Journey 10: "Mes services en ligne" opens
the demo platform from the home page, already signed in (OIDC third-party-
initiated login).
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from accounts.models import Membership
from platforms.demo import demo_client_register
from platforms.models import Access, Platform, Role
from tests.accounts.factories import OrganisationFactory
from tests.platforms.factories import seed_platforms, verified_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple 42"
CLIENT_ID = "demo-platform"
CLIENT_SECRET = "demo-platform-secret-for-the-browser-tests"
WIDTHS = [1280, 360]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def demo_platform(live_server, settings, tmp_path):
    """The demo platform's URL, serving on 127.0.0.1:<free port>, its client registered."""
    seed_platforms()  # an earlier transactional test may have flushed them
    settings.IDP_OIDC_ISSUER = live_server.url
    url = f"http://127.0.0.1:{free_port()}"
    platform = Platform.objects.get(code="mgestion-entreprise")
    demo_client_register(
        platform=platform, url=url, client_id=CLIENT_ID, secret=CLIENT_SECRET, now=timezone.now()
    )
    Platform.objects.filter(pk=platform.pk).update(url=f"{url}/")
    # The sign-in form's redirects end on the platform: CSP form-action covers the
    # whole chain. Production allows https: only; this demo runs on plain http.
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {**directives, "form-action": [*directives["form-action"], url]},
    }
    env = {
        **os.environ,
        "DEMO_PROVIDER_URL": live_server.url,
        "DEMO_PLATFORM_ADDR": url.removeprefix("http://"),
        "DEMO_DATABASE": str(tmp_path / "demo_platform.sqlite3"),
        "DEMO_CLIENT_ID": CLIENT_ID,
        "DEMO_CLIENT_SECRET": CLIENT_SECRET,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (tmp_path / "demo_platform.log").open("w")
    process = subprocess.Popen(  # noqa: S603 — our own example site
        [sys.executable, str(ROOT / "examples/demo_platform/serve.py")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the server to listen (not a wait on domain time)
            try:
                if requests.get(f"{url}/", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(
                    "demo platform did not start: "
                    + (tmp_path / "demo_platform.log").read_text()[-2000:]
                )
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def administrator():
    """The demo organisation's administrator, Administrateur on M-Gestion Entreprise."""
    person = verified_user(email="admin@transports-demo.fr", first_name="Alice", last_name="Demo")
    organisation = OrganisationFactory(legal_name="Transports Démo")
    membership = Membership.objects.create(
        user=person, organisation=organisation, is_administrator=True
    )
    Access.objects.create(
        membership=membership,
        platform=Platform.objects.get(code="mgestion-entreprise"),
        role=Role.objects.get(code="administrateur"),
    )
    return person


def sign_in(page, email, check):
    """On the account centre's sign-in page: fill it in and submit (the caller
    waits for where the redirects end)."""
    check(page)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Connexion").click()


def roles_shown(page):
    table = page.get_by_role("table")
    assert "Transports Démo" in table.inner_text()
    assert "Administrateur" in table.inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_sso_from_the_demo_platform_and_back_then_sign_out_ends_both(
    page, live_server, demo_platform, administrator, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})

    # From the demo platform to the account centre's sign-in, and back with the roles.
    page.goto(f"{demo_platform}/")
    assert_accessible(page)
    page.get_by_role("link", name="Se connecter avec le compte OPCO Mobilités").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    sign_in(page, administrator.email, assert_accessible)
    page.wait_for_url(f"{demo_platform}/")
    assert page.get_by_role("heading", name="Vos rôles sur cette plateforme").is_visible()
    roles_shown(page)
    assert_accessible(page)

    # Back to the account centre: still signed in there.
    page.get_by_role("link", name="Retour au centre de comptes").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bonjour Alice Demo"
    assert_accessible(page)

    # Signing out of the demo platform ends the account centre's session too
    # (RP-initiated logout with the ID token).
    page.goto(f"{demo_platform}/")
    with page.expect_navigation(url=f"{demo_platform}/"):
        page.get_by_role("button", name="Se déconnecter").click()
    assert page.get_by_text("Vous n'êtes pas connecté.").is_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url

    # Signing out of the account centre ends the demo platform's session
    # (back-channel logout).
    page.goto(f"{demo_platform}/")
    page.get_by_role("link", name="Se connecter avec le compte OPCO Mobilités").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    sign_in(page, administrator.email, assert_accessible)
    page.wait_for_url(f"{demo_platform}/")
    roles_shown(page)
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()
    assert_accessible(page)
    page.goto(f"{demo_platform}/")
    assert page.get_by_text("Vous n'êtes pas connecté.").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_my_online_services_open_the_demo_platform_signed_in(
    page, live_server, demo_platform, administrator, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    sign_in(page, administrator.email, assert_accessible)
    page.wait_for_url(f"{live_server.url}/")
    services = page.locator("section.online-services")
    assert services.get_by_role("heading", name="Mes services en ligne").is_visible()
    assert services.get_by_role("link", name="M-Tutorat : s'inscrire ou se connecter").is_visible()
    assert_accessible(page)

    services.get_by_role("link", name="Ouvrir M-Gestion Entreprise").click()
    page.wait_for_url(f"{demo_platform}/")
    assert page.get_by_text("Alice Demo").first.is_visible()
    roles_shown(page)
    assert_accessible(page)

    # The demo platform accepts a third-party-initiated login only from its provider.
    page.goto(f"{demo_platform}/oidc/initiate/?iss=https://ailleurs.example")
    assert page.get_by_role("heading", name="Connexion refusée").is_visible()
    assert_accessible(page)
