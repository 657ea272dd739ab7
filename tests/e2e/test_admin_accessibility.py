"""Every main back-office page passes axe-core at 1280 px and 360 px (issue 15 item 6).

An OPCO agent signs in (TOTP) and visits the admin home with its lifecycle counts,
the user list (filtered and searched), an end user's page, a staff member's page,
organisations, CGU versions and the publication page, the lifecycle dashboard and
its review queue, the import pages, maintenance windows, the DPO and closure
queues and third-party models (sessions, second factors, periodic tasks). Not one
serious or critical violation on any of them. The agent is a superuser: he sees
every page and every field an agent of either OPCO group may see.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from allauth.usersessions.models import UserSession
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from accounts.models import AccountState, DeactivationReason, User
from legal import services as legal_services
from lifecycle import services as lifecycle_services
from maintenance.models import MaintenanceWindow
from privacy import services as privacy_services
from privacy.models import ClosureRequest
from tests.accounts.factories import OrganisationFactory, UserFactory, administrator_of
from tests.e2e.conftest import axe_violations
from tests.e2e.test_backoffice_journeys import make_agent, sign_in
from tests.legal.factories import CGUVersionFactory, publish
from tests.platforms.factories import grant, seed_platforms, verified_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 360]
FILTERED_LIST = "/admin/accounts/user/?state__exact=deactivated&q=autocars"
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "import-samples"


def back_office_with_data():
    """An agent, and enough data that every page shows its tables, filters and forms."""
    now = timezone.now()
    seed_platforms()
    version = publish(now=now - timedelta(days=400), label="Février 2025 (version 2)")
    draft = CGUVersionFactory(label="Janvier 2027", text="# Article 1\n\nTexte **nouveau**.")
    agent = make_agent()
    legal_services.cgu_accept(
        user=agent, version=version, now=now, ip_address=None, user_agent="", context="signup"
    )
    organisation = OrganisationFactory(legal_name="Transports Durand")
    person = verified_user(email="claire.durand@transports-durand.fr", last_name="Durand")
    administrator_of(organisation, person)
    from platforms.models import Platform

    platform = Platform.objects.order_by("pk").first()
    grant(
        user=person,
        platform=platform,
        role_code=platform.roles.order_by("pk").first().code,
        organisation=organisation,
    )
    legal_services.cgu_accept(
        user=person, version=version, now=now, ip_address=None, user_agent="", context="signup"
    )
    privacy_services.proof_request_create(
        user=person, organisation=organisation, actor=agent, now=now
    )
    UserSession.objects.create(
        user=person,
        ip="192.0.2.10",
        session_key="s" * 32,
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0",
        created_at=now,
        last_seen_at=now,
    )
    # The dashboard: one step due within 7 days, one overdue, one in the review queue.
    UserFactory(last_activity_at=now - timedelta(days=730 - 3))
    UserFactory(last_activity_at=now - timedelta(days=800))
    stopped = UserFactory(email="marc.petit@autocars-petit.fr", last_activity_at=now)
    User.objects.filter(pk=stopped.pk).update(
        state=AccountState.WARNED,
        state_changed_at=now - timedelta(days=20),
        notice_failed_at=now - timedelta(days=19),
    )
    gone = UserFactory(email="jean.moreau@autocars-moreau.fr")
    lifecycle_services.account_deactivate(
        user=gone, actor=None, now=now, reason=DeactivationReason.OPCO
    )
    closure = ClosureRequest.objects.create(user=gone)
    dpo = privacy_services.dpo_request_create(
        kind="other", message="Quelles données gardez-vous ?", user=person, now=now
    )
    staff = UserFactory(email="sophie.leroy@opcomobilites.fr", is_staff=True)
    MaintenanceWindow.objects.create(
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=2),
        message="Mise à jour de la base",
    )
    task = PeriodicTask.objects.create(
        name="Balayage du cycle de vie",
        task="lifecycle.tasks.sweep",
        crontab=CrontabSchedule.objects.create(minute="*/15"),
    )
    return {
        "agent": agent,
        "person": person,
        "staff": staff,
        "organisation": organisation,
        "draft": draft,
        "task": task,
        "closure": closure,
        "dpo": dpo,
    }


def pages(data) -> list[str]:
    person, staff = data["person"], data["staff"]
    return [
        "/admin/",
        "/admin/accounts/user/",
        FILTERED_LIST,
        f"/admin/accounts/user/{person.pk}/change/",
        "/admin/accounts/staffuser/",
        "/admin/accounts/staffuser/add/",
        f"/admin/accounts/staffuser/{staff.pk}/change/",
        "/admin/accounts/organisation/",
        f"/admin/accounts/organisation/{data['organisation'].pk}/change/",
        "/admin/legal/cguversion/",
        "/admin/legal/cguversion/add/",
        f"/admin/legal/cguversion/{data['draft'].pk}/change/",
        f"/admin/legal/cguversion/{data['draft'].pk}/publier/",
        "/admin/accounts/user/lifecycle/",
        "/admin/lifecycle/notice/",
        "/admin/imports/importjob/",
        "/admin/imports/importjob/televerser/",
        "/admin/maintenance/maintenancewindow/",
        "/admin/maintenance/maintenancewindow/add/",
        "/admin/privacy/dporequest/",
        "/admin/privacy/closurerequest/",
        f"/admin/privacy/closurerequest/{data['closure'].pk}/change/",
        f"/admin/privacy/dporequest/{data['dpo'].pk}/change/",
        "/admin/privacy/proofrequest/",
        "/admin/usersessions/usersession/",
        "/admin/mfa/authenticator/",
        "/admin/django_celery_beat/periodictask/",
        f"/admin/django_celery_beat/periodictask/{data['task'].pk}/change/",
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_main_admin_page_has_no_serious_axe_violation(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    data = back_office_with_data()
    sign_in(page, live_server.url, data["agent"].email, totp=True)
    assert page.url.endswith("/admin/"), page.url
    found = {}

    def visit(path):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, (path, response.status)
        assert "/admin/" in page.url, (path, page.url)
        violations = axe_violations(page)
        if violations:
            found[path] = violations

    for path in pages(data):
        visit(path)
    # The filtered, searched list found the deactivated account.
    page.goto(f"{live_server.url}{FILTERED_LIST}")
    assert page.locator("#result_list").get_by_text("jean.moreau@autocars-moreau.fr").count()
    # The index shows the counts; the dashboard holds the review queue.
    page.goto(f"{live_server.url}/admin/")
    assert page.locator("#count-review").inner_text() == "1"
    page.goto(f"{live_server.url}/admin/accounts/user/lifecycle/")
    assert "marc.petit@autocars-petit.fr" in page.locator("#lifecycle-review").inner_text()
    # The import preview, from the documented sample files.
    page.goto(f"{live_server.url}/admin/imports/importjob/televerser/")
    page.set_input_files("input[type=file]", sorted(str(p) for p in SAMPLES.glob("*.csv")))
    with page.expect_navigation():
        page.locator("form [type=submit]").last.click()
    assert "Aperçu de l'import" in page.content()
    violations = axe_violations(page)
    if violations:
        found["import preview"] = violations
    assert found == {}, found


def test_user_list_state_reason_and_next_step_fit_beside_the_sidebars_at_1280(page, live_server):
    """Issue 15 item 2: at 1280 px État, Motif and Prochaine étape are on screen, between
    the navigation sidebar and the filters, with no sideways scrolling."""
    page.set_viewport_size({"width": 1280, "height": 800})
    data = back_office_with_data()
    for n in range(5):
        UserFactory(
            email=f"responsable.formation.{n}@transports-et-logistique-du-grand-ouest.fr",
            last_name="De La Fontaine-Montmorency",
        )
    sign_in(page, live_server.url, data["agent"].email, totp=True)
    page.goto(f"{live_server.url}/admin/accounts/user/")
    filters = page.locator("#changelist-filter").bounding_box()
    nav = page.locator("#nav-sidebar")
    nav_right = nav.bounding_box()["x"] + nav.bounding_box()["width"] if nav.is_visible() else 0
    for column in ["state", "lifecycle_reason", "lifecycle_next_step", "last_activity_at"]:
        header = page.locator(f"#result_list th.column-{column}")
        assert header.is_visible(), column
        box = header.bounding_box()
        assert box["x"] >= nav_right, (column, box, nav_right)
        assert box["x"] + box["width"] <= filters["x"], (column, box, filters)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
