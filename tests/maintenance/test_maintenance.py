"""Planned maintenance (CGU art. 3 and 5.4): banner before, 503 during, staff still works."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.idp.oidc.models import Client
from django.utils import timezone

from maintenance.models import MaintenanceWindow
from maintenance.selectors import schedule_forget
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
START = datetime(2027, 3, 10, 20, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
PARIS = ZoneInfo("Europe/Paris")
MESSAGE = "Mise à jour du centre de comptes : retour prévu à 23 h."


@pytest.fixture(autouse=True)
def _fresh_windows():
    """Windows are held in process memory: start and leave every test without any."""
    schedule_forget()
    yield
    schedule_forget()


@pytest.fixture
def window():
    created = MaintenanceWindow.objects.create(
        starts_at=START, ends_at=END, message=MESSAGE, banner_hours=48
    )
    schedule_forget()  # as the back-office does after a save
    return created


def test_a_banner_announces_the_window_beforehand_and_not_earlier(client, window):
    with time_machine.travel(START - timedelta(hours=47)):
        announced = client.get("/accounts/login/")
    with time_machine.travel(START - timedelta(hours=49)):
        too_early = client.get("/accounts/login/")

    assert announced.status_code == 200
    assert MESSAGE in announced.content.decode()
    assert "Maintenance programmée du 10 mars 2027 à 21:00" in announced.content.decode()
    assert MESSAGE not in too_early.content.decode()


def test_during_the_window_pages_answer_503_with_the_message_and_retry_after(client, window):
    with time_machine.travel(START + timedelta(minutes=30)):
        response = client.get("/")

    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    assert response["Retry-After"] == str(90 * 60)


def test_the_window_ends_at_its_end_instant(client, window):
    with time_machine.travel(END - timedelta(seconds=1), tick=False):
        last_second = client.get("/accounts/signup/")
    with time_machine.travel(END, tick=False):
        response = client.get("/accounts/signup/")

    assert last_second.status_code == 503

    assert response.status_code == 200


def test_the_token_endpoint_answers_503_in_json(client, window):
    """RFC 9110 §15.6.4 (503 + Retry-After); error code of RFC 6749 §4.1.2.1."""
    with time_machine.travel(START + timedelta(minutes=1)):
        response = client.post("/identity/o/api/token", {"grant_type": "authorization_code"})

    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert int(response["Retry-After"]) > 0


def test_authorize_redirects_to_the_client_with_temporarily_unavailable(client, window):
    """RFC 6749 §4.1.2.1: the error goes back to the registered redirect URI, with state."""
    Client.objects.create(
        id="plateforme-test",
        name="Test",
        redirect_uris="https://plateforme.example.fr/cb",
        type=Client.Type.CONFIDENTIAL,
    )
    with time_machine.travel(START + timedelta(minutes=1)):
        response = client.get(
            "/identity/o/authorize",
            {
                "client_id": "plateforme-test",
                "redirect_uri": "https://plateforme.example.fr/cb",
                "response_type": "code",
                "state": "xyz",
            },
        )
        unknown = client.get(
            "/identity/o/authorize",
            {"client_id": "plateforme-test", "redirect_uri": "https://evil.example/cb"},
        )

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.netloc == "plateforme.example.fr"
    assert parse_qs(location.query)["error"] == ["temporarily_unavailable"]
    assert parse_qs(location.query)["state"] == ["xyz"]
    # Never redirect to an unregistered URI (RFC 6749 §4.1.2.1): a page instead.
    assert unknown.status_code == 503


def test_staff_still_reach_the_back_office(client, window):
    agent = UserFactory(is_staff=True, is_superuser=True)
    with time_machine.travel(START + timedelta(minutes=1)):
        client.force_login(agent)
        response = client.get("/admin/maintenance/maintenancewindow/")
        member = UserFactory()
        other = client.__class__()
        other.force_login(member)
        refused = other.get("/admin/")

    assert response.status_code == 200
    assert refused.status_code == 503


def test_healthz_reports_the_maintenance(client, window):
    with time_machine.travel(START + timedelta(minutes=1)):
        during = client.get("/healthz").json()
    with time_machine.travel(END + timedelta(minutes=1)):
        after = client.get("/healthz").json()

    assert during["maintenance"]["until"] == END.isoformat()
    assert during["maintenance"]["message"] == MESSAGE
    assert "maintenance" not in after


def test_a_window_saved_in_the_back_office_applies_at_once(client):
    agent = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(agent)
    client.get("/accounts/login/")  # the (empty) list of windows is now cached
    now = timezone.now()

    client.post(
        "/admin/maintenance/maintenancewindow/add/",
        {
            "starts_at_0": (now - timedelta(minutes=1)).astimezone(PARIS).strftime("%d/%m/%Y"),
            "starts_at_1": (now - timedelta(minutes=1)).astimezone(PARIS).strftime("%H:%M:%S"),
            "ends_at_0": (now + timedelta(hours=1)).astimezone(PARIS).strftime("%d/%m/%Y"),
            "ends_at_1": (now + timedelta(hours=1)).astimezone(PARIS).strftime("%H:%M:%S"),
            "banner_hours": 72,
            "message": MESSAGE,
        },
    )
    client.logout()

    assert MaintenanceWindow.objects.count() == 1
    assert client.get("/accounts/signup/").status_code == 503
