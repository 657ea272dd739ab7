"""Back-office journeys at 1280 px and 360 px, axe-core on every page (issue 15).

Journey 5: an OPCO agent signs in with TOTP, searches by email domain, opens the
account, reactivates it. Journey 6: the agent publishes a new CGU version (its own
page), and a user's next page is the interstitial.
"""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone

from accounts.models import AccountState, DeactivationReason
from legal import services as legal_services
from lifecycle import services as lifecycle_services
from tests.accounts.factories import UserFactory
from tests.legal.factories import CGUVersionFactory, publish

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple 42"
SECRET = "JBSWY3DPEHPK3PXP"
WIDTHS = [1280, 360]


def totp_now() -> str:
    import time

    return format_hotp_value(hotp_value(SECRET, int(time.time()) // 30))


def make_agent():
    # A superuser: transactional tests flush the staff groups the migrations create.
    agent = UserFactory(
        email="agent@opcomobilites.fr", is_staff=True, is_superuser=True, first_name="Agent"
    )
    EmailAddress.objects.create(user=agent, email=agent.email, verified=True, primary=True)
    Authenticator.objects.update_or_create(
        user=agent, type=Authenticator.Type.TOTP, defaults={"data": {"secret": SECRET}}
    )
    return agent


def sign_in(page, url, email, *, totp=False, check=None):
    page.goto(f"{url}/accounts/login/?next=/admin/")
    if check:
        check(page)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()
    if totp:
        if check:
            check(page)
        page.fill("input[name=code]", totp_now())
        with page.expect_navigation():
            page.get_by_role("button", name="Connexion").click()


@pytest.mark.parametrize("width", WIDTHS)
def test_agent_signs_in_with_totp_finds_and_reactivates_an_account(
    page, live_server, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})
    version = publish(now=timezone.now())
    agent = make_agent()
    legal_services.cgu_accept(
        user=agent,
        version=version,
        now=timezone.now(),
        ip_address=None,
        user_agent="",
        context="signup",
    )
    person = UserFactory(email="claire.durand@transports-durand.fr", last_name="Durand")
    lifecycle_services.account_deactivate(
        user=person, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO
    )
    sign_in(page, live_server.url, agent.email, totp=True, check=assert_accessible)
    assert page.url.endswith("/admin/"), page.url
    assert_accessible(page)
    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.fill("#searchbar", "claire.durand@transports")
    with page.expect_navigation():
        page.locator("#changelist-search [type=submit]").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=person.email).first.click()
    assert "Désactivé" in page.content()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Réactiver").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Oui, réactiver").click()
    person.refresh_from_db()
    assert person.state == AccountState.ACTIVE


@pytest.mark.parametrize("width", WIDTHS)
def test_agent_publishes_a_cgu_version_and_a_user_meets_the_interstitial(
    page, browser, live_server, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 900})
    make_agent()
    draft = CGUVersionFactory(label="Décembre 2026", text="# Article 1\n\nTexte **nouveau**.")
    sign_in(page, live_server.url, "agent@opcomobilites.fr", totp=True)
    page.goto(f"{live_server.url}/admin/legal/cguversion/{draft.pk}/change/")
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("#cgu-publish-link").click()
    assert "nouveau" in page.locator("#cgu-publish-text").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Oui, publier cette version").click()
    assert "/admin/legal/cguversion/" in page.url  # back in the back-office, not the gate
    assert_accessible(page)
    user = UserFactory(email="bruno@transports-demo.fr")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    other = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    try:
        second = other.new_page()
        second.goto(f"{live_server.url}/accounts/login/")
        second.fill("input[name=login]", user.email)
        second.fill("input[name=password]", PASSWORD)
        with second.expect_navigation():
            second.get_by_role("button", name="Connexion").click()
        assert "/cgu/nouvelle-version/" in second.url
        assert_accessible(second)
    finally:
        other.close()
