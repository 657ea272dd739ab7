"""On a phone (375 px), the member table of "Mon organisation" fits: no action is cut off."""

import os

import pytest
from allauth.account.models import EmailAddress

from tests.accounts.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    administrator_of,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple 42"
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def test_member_table_actions_fit_a_phone_screen(page, live_server):
    organisation = OrganisationFactory(legal_name="Transports Démo")
    admin = administrator_of(
        organisation,
        UserFactory(first_name="Alice", last_name="Démo", email="admin@transports-demo.fr"),
    )
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    for first, last in [("Bruno", "Gestion"), ("Carla", "Campus"), ("Chloé", "Candidate")]:
        MembershipFactory(
            organisation=organisation,
            user=UserFactory(
                first_name=first, last_name=last, email=f"{first.lower()}@transports-demo.fr"
            ),
        )
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/mon-organisation/{organisation.pk}/")
    page.wait_for_load_state("load")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "phone_org.png"), full_page=True)
    links = page.locator(".member-actions a")
    assert links.count() >= 4
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, links.nth(index).inner_text()
