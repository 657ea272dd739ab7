"""Cookie consent: nothing optional before a choice, refusing as easy as accepting,
13 months at most, each choice recorded as proof."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.test import override_settings
from django.urls import reverse

from legal.models import ConsentRecord
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = "https://audience.example/matomo.js"
SCRIPT_TAG = f'<script src="{SCRIPT}"'
NECESSARY = {"sessionid", "csrftoken", "messages", "mhab_consent"}
T0 = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _audience_configured(settings):
    settings.LEGAL_AUDIENCE_SCRIPT_URL = SCRIPT


def choose(client, choice, **extra):
    return client.post(
        reverse("legal:cookie_choice"), {"choice": choice, "next": "/cgu/", **extra}
    )


def test_before_any_choice_only_necessary_cookies_and_no_audience_script(client):
    response = client.get("/accounts/login/")
    assert set(response.cookies) <= NECESSARY
    assert SCRIPT not in response.text
    assert "Tout accepter" in response.text
    assert "Tout refuser" in response.text
    assert "Personnaliser" in response.text


def test_accept_and_refuse_have_the_same_prominence(client):
    html = client.get("/cgu/").text
    assert 'value="accept_all" class="cookie-button"' in html
    assert 'value="refuse_all" class="cookie-button"' in html


def test_accepting_injects_the_audience_script(client):
    response = choose(client, "accept_all")
    assert response.status_code == 302
    assert response.url == "/cgu/"
    page = client.get("/cgu/").text
    assert SCRIPT_TAG in page
    assert 'id="cookie-banner"' not in page


def test_refusing_sets_no_optional_cookie_and_no_script(client):
    response = choose(client, "refuse_all")
    assert set(response.cookies) <= NECESSARY
    page = client.get("/cgu/")
    assert SCRIPT not in page.text
    assert 'id="cookie-banner"' not in page.text
    assert set(page.cookies) <= NECESSARY


def test_refusing_deletes_audience_cookies_already_set(client):
    client.cookies["_pk_id.1.abcd"] = "x"
    response = choose(client, "refuse_all")
    assert response.cookies["_pk_id.1.abcd"]["max-age"] == 0


def test_customising_records_the_category_choice(client):
    choose(client, "custom", audience="on")
    assert SCRIPT_TAG in client.get("/cgu/").text
    choose(client, "custom")
    assert SCRIPT not in client.get("/cgu/").text


def test_without_audience_url_no_script_even_after_consent(client, settings):
    settings.LEGAL_AUDIENCE_SCRIPT_URL = ""
    choose(client, "accept_all")
    assert '<script src="https' not in client.get("/cgu/").text


def test_each_choice_is_recorded_as_proof(client):
    with time_machine.travel(T0, tick=False):
        choose(client, "accept_all")
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        choose(client, "refuse_all")
    first, second = ConsentRecord.objects.order_by("recorded_at")
    assert first.categories == {"necessary": True, "audience": True}
    assert second.categories == {"necessary": True, "audience": False}
    assert first.recorded_at == T0
    assert first.notice_version == "2026-11"
    assert first.subject_id == second.subject_id
    assert first.user is None


def test_a_signed_in_choice_names_the_user(client):
    user = UserFactory()
    client.force_login(user)
    choose(client, "refuse_all")
    assert ConsentRecord.objects.get().user == user


def test_a_consent_older_than_13_months_is_asked_again(client):
    with time_machine.travel(T0, tick=False):
        choose(client, "accept_all")
    expiry = T0 + relativedelta(months=13)
    with time_machine.travel(expiry - timedelta(seconds=1), tick=False):
        page = client.get("/cgu/").text
        assert SCRIPT_TAG in page
        assert 'id="cookie-banner"' not in page
    with time_machine.travel(expiry, tick=False):
        page = client.get("/cgu/").text
        assert SCRIPT not in page
        assert 'id="cookie-banner"' in page


def test_a_new_cookie_notice_version_asks_again(client, settings):
    choose(client, "accept_all")
    settings.LEGAL_COOKIE_NOTICE_VERSION = "2027-02"
    page = client.get("/cgu/").text
    assert 'id="cookie-banner"' in page
    assert SCRIPT not in page


def test_a_forged_consent_cookie_is_ignored(client):
    client.cookies["mhab_consent"] = "00000000-0000-0000-0000-000000000000|2026-11|9999999999|1"
    page = client.get("/cgu/").text
    assert SCRIPT not in page
    assert 'id="cookie-banner"' in page


def test_the_cookie_page_lists_categories_and_cookies_and_lets_the_user_change_his_mind(client):
    choose(client, "accept_all")
    page = client.get(reverse("legal:cookies")).text
    assert "Cookies strictement nécessaires" in page
    assert "Mesure d&#x27;audience" in page or "Mesure d'audience" in page
    for name in ["sessionid", "csrftoken", "mhab_consent", "_pk_id.*"]:
        assert name in page
    assert "acceptée" in page
    choose(client, "refuse_all")
    assert SCRIPT not in client.get("/cgu/").text


def test_the_choice_works_with_javascript_too(client):
    response = client.post(
        reverse("legal:cookie_choice"), {"choice": "accept_all"}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"ok": True, "audience": True, "audience_src": SCRIPT}
    assert "mhab_consent" in response.cookies


def test_an_invalid_choice_changes_nothing(client):
    response = choose(client, "everything")
    assert response.status_code == 302
    assert not ConsentRecord.objects.exists()
    assert "mhab_consent" not in response.cookies


@override_settings(LEGAL_CONSENT_MONTHS=24)
def test_the_consent_duration_cannot_exceed_13_months():
    from legal import app_settings

    assert app_settings.cookie_consent_months() == 13
