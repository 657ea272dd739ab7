"""The main pages at 1280 px and 360 px: axe-clean, and photographed for the README.

``make screenshots`` runs this with ``E2E_SCREENSHOTS=docs/screenshots`` and the PNGs
are rewritten there; in ``make e2e`` it only checks the pages.
"""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import DeactivationReason, Organisation
from legal import services as legal_services
from lifecycle import services as lifecycle_services
from platforms.models import Platform
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.legal.factories import CGUVersionFactory, publish
from tests.platforms.factories import grant, seed_platforms, verified_user

from .test_backoffice_journeys import PASSWORD, make_agent, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")
WIDTHS = [1280, 360]


def shoot(page, name, width):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages(page, live_server, assert_accessible, width):
    page.set_viewport_size({"width": width, "height": 900})
    now = timezone.now()
    version = publish(now=now, label="Février 2025 (version 2)")
    draft = CGUVersionFactory(label="Décembre 2026", text="# Article 1\n\nTexte **nouveau**.")
    organisation = OrganisationFactory(legal_name="Transports Démo")
    person = UserFactory(email="claire.durand@transports-demo.fr", first_name="Claire")
    MembershipFactory(user=person, organisation=organisation)
    lifecycle_services.account_deactivate(
        user=person, actor=None, now=now, reason=DeactivationReason.OPCO
    )
    for name, path in [("connexion", "/accounts/login/"), ("inscription", "/accounts/signup/")]:
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
        shoot(page, name, width)
    page.goto(f"{live_server.url}/cgu/")
    assert_accessible(page)
    shoot(page, "cgu", width)
    agent = make_agent()
    legal_services.cgu_accept(
        user=agent, version=version, now=now, ip_address=None, user_agent="", context="signup"
    )
    sign_in(page, live_server.url, agent.email, totp=True)
    for name, path in [
        ("admin-accueil", "/admin/"),
        ("admin-utilisateurs", "/admin/accounts/user/"),
        ("admin-fiche-utilisateur", f"/admin/accounts/user/{person.pk}/change/"),
        ("admin-cycle-de-vie", "/admin/accounts/user/lifecycle/"),
        ("admin-publier-cgu", f"/admin/legal/cguversion/{draft.pk}/publier/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert page.url.endswith(path), page.url
        assert_accessible(page)
        shoot(page, name, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_persons_space(page, live_server, assert_accessible, width):
    """ "Mon espace" with its organisation, its roles and "Mes services en ligne"."""
    page.set_viewport_size({"width": width, "height": 900})
    seed_platforms()  # transactional tests flush what the migrations seeded
    version = publish(now=timezone.now(), label="Février 2025 (version 2)")
    person = verified_user(
        email="claire.durand@transports-demo.fr", first_name="Claire", last_name="Durand"
    )
    organisation = OrganisationFactory(
        legal_name="Transports Démo", kind=Organisation.Kind.ENTREPRISE
    )
    platform = Platform.objects.get(code="mgestion-entreprise")
    platform.url = "https://m-gestion.example/"  # opens by its address (no SSO client here)
    platform.save(update_fields=["url"])
    grant(
        user=person,
        platform=platform,
        role_code="gestionnaire",
        organisation=organisation,
    )
    legal_services.cgu_accept(
        user=person,
        version=version,
        now=timezone.now(),
        ip_address=None,
        user_agent="",
        context="signup",
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()
    assert page.url == f"{live_server.url}/", page.url
    assert "Mes services en ligne" in page.content()
    assert "M-Gestion Entreprise — Gestionnaire" in page.content()
    assert page.locator(".online-services a[href='https://m-gestion.example/']").count() == 1
    assert_accessible(page)
    shoot(page, "mon-espace", width)
