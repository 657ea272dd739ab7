"""The Content-Security-Policy breaks nothing a browser runs: no violation on key pages."""

import pytest
from allauth.account.models import EmailAddress

from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple 42"


def collect_csp_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    return violations


def test_public_pages_raise_no_csp_violation(page, live_server):
    violations = collect_csp_violations(page)
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
    assert violations == []


def test_staff_sets_up_mfa_without_csp_violation(page, live_server):
    user = UserFactory(is_staff=True, mfa=False, email="agent@opcomobilites.fr")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    violations = collect_csp_violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state("load")
    # Staff without MFA lands on the page that says why, whatever he asked for.
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_load_state("load")
    assert "/securite/double-authentification/" in page.url
    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    page.wait_for_load_state("load")
    assert violations == []
