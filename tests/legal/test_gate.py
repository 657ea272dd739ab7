"""The re-acceptance gate: blocks pages and SSO until the CGU in force are accepted."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from legal import services
from legal.models import CGUAcceptance
from tests.accounts.factories import UserFactory

from .factories import publish

pytestmark = pytest.mark.django_db

AUTHORIZE = "/identity/o/authorize?client_id=mgestion&response_type=code&scope=openid"


def accept(user, version):
    return services.cgu_accept(
        user=user,
        version=version,
        now=timezone.now(),
        ip_address="192.0.2.1",
        user_agent="test",
        context=CGUAcceptance.Context.SIGNUP,
    )


@pytest.fixture
def old_and_new():
    now = timezone.now()
    old = publish(now=now - timedelta(days=30), text="Ancien article.")
    new = publish(now=now - timedelta(days=1), text="Nouvel article.", summary="Article revu.")
    return old, new


@pytest.fixture
def user_who_accepted_the_old(old_and_new):
    user = UserFactory()
    accept(user, old_and_new[0])
    return user


def is_gated(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("legal:cgu_gate"))


def test_a_page_sends_a_user_who_has_not_accepted_the_new_version_to_the_gate(
    client, user_who_accepted_the_old
):
    client.force_login(user_who_accepted_the_old)
    response = client.get(reverse("home"))
    assert is_gated(response)
    assert parse_qs(urlsplit(response.url).query)["next"] == [reverse("home")]


def test_the_sso_authorize_request_is_blocked_until_acceptance(
    client, user_who_accepted_the_old, old_and_new
):
    client.force_login(user_who_accepted_the_old)
    response = client.get(AUTHORIZE)
    assert is_gated(response)
    assert parse_qs(urlsplit(response.url).query)["next"] == [AUTHORIZE]
    accept(user_who_accepted_the_old, old_and_new[1])
    assert not is_gated(client.get(AUTHORIZE))


def test_the_admin_is_gated_for_staff_too(client, old_and_new):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert is_gated(client.get("/admin/"))


def test_a_user_who_accepted_the_version_in_force_goes_through(client, old_and_new):
    user = UserFactory()
    accept(user, old_and_new[1])
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


def test_a_user_who_signed_up_before_any_version_must_accept_the_one_in_force(client, old_and_new):
    user = UserFactory()
    client.force_login(user)
    assert is_gated(client.get(reverse("home")))


def test_nobody_is_gated_while_no_version_is_in_force(client):
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/cgu/",
        "/cgu/archives/",
        "/cgu/difference/",
        "/mentions-legales/",
        "/donnees-personnelles/",
        "/cookies/",
        "/healthz",
        "/identity/o/logout",
    ],
)
def test_excluded_urls_stay_reachable(client, user_who_accepted_the_old, url):
    client.force_login(user_who_accepted_the_old)
    assert not is_gated(client.get(url))


def test_signing_out_stays_possible(client, user_who_accepted_the_old):
    client.force_login(user_who_accepted_the_old)
    response = client.post(reverse("account_logout"))
    assert not is_gated(response)
    assert "_auth_user_id" not in client.session


def test_the_gate_shows_the_new_text_the_summary_and_a_link_to_the_difference(
    client, user_who_accepted_the_old, old_and_new
):
    old, new = old_and_new
    client.force_login(user_who_accepted_the_old)
    response = client.get(reverse("legal:cgu_gate"))
    assert response.status_code == 200
    assert "Nouvel article." in response.text
    assert "Article revu." in response.text
    assert f"{reverse('legal:cgu_diff')}?de={old.pk}&amp;a={new.pk}" in response.text


def test_accepting_without_ticking_the_box_is_refused(
    client, user_who_accepted_the_old, old_and_new
):
    client.force_login(user_who_accepted_the_old)
    response = client.post(reverse("legal:cgu_gate"), {"version": old_and_new[1].pk})
    assert response.status_code == 200
    assert "Cochez la case" in response.text
    assert not CGUAcceptance.objects.filter(version=old_and_new[1]).exists()


def test_ticking_and_accepting_records_the_acceptance_and_returns_to_the_page(
    client, user_who_accepted_the_old, old_and_new
):
    client.force_login(user_who_accepted_the_old)
    response = client.post(
        reverse("legal:cgu_gate"),
        {"version": old_and_new[1].pk, "accept": "on", "next": reverse("home")},
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 Test",
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    acceptance = CGUAcceptance.objects.get(version=old_and_new[1])
    assert acceptance.context == CGUAcceptance.Context.REACCEPTANCE
    assert client.get(reverse("home")).status_code == 200


def test_accepting_on_the_way_to_a_platform_is_recorded_as_sso_and_resumes_the_authorize(
    client, user_who_accepted_the_old, old_and_new
):
    client.force_login(user_who_accepted_the_old)
    response = client.post(
        reverse("legal:cgu_gate"),
        {"version": old_and_new[1].pk, "accept": "on", "next": AUTHORIZE},
    )
    assert response.url == AUTHORIZE
    assert CGUAcceptance.objects.get(version=old_and_new[1]).context == "sso"


def test_a_version_that_came_into_force_meanwhile_must_be_read_first(
    client, user_who_accepted_the_old, old_and_new
):
    client.force_login(user_who_accepted_the_old)
    response = client.post(
        reverse("legal:cgu_gate"), {"version": old_and_new[0].pk, "accept": "on"}
    )
    assert response.status_code == 200
    assert not CGUAcceptance.objects.filter(version=old_and_new[1]).exists()


def test_the_gate_refuses_to_redirect_to_another_site(
    client, user_who_accepted_the_old, old_and_new
):
    client.force_login(user_who_accepted_the_old)
    response = client.post(
        reverse("legal:cgu_gate"),
        {"version": old_and_new[1].pk, "accept": "on", "next": "https://evil.example/"},
    )
    assert response.url == reverse("home")


def test_declining_signs_out_and_says_how_to_close_the_account(client, user_who_accepted_the_old):
    from legal.models import SiteSettings

    SiteSettings.objects.create(pk=1, dpo_email="dpo@example.org")
    client.force_login(user_who_accepted_the_old)
    response = client.post(reverse("legal:cgu_decline"), follow=True)
    assert "_auth_user_id" not in client.session
    assert "Fermer votre compte" in response.text
    assert "dpo@example.org" in response.text


def test_a_version_coming_into_force_later_gates_a_user_who_accepted_the_previous_one(client):
    import time_machine

    now = timezone.now()
    current = publish(now=now - timedelta(days=1))
    upcoming = publish(now=now, effective_at=now + timedelta(days=10))
    user = UserFactory()
    accept(user, current)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    # Signed in again 10 days later (sessions expire after 12 idle hours).
    with time_machine.travel(upcoming.effective_at - timedelta(seconds=1), tick=False):
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(upcoming.effective_at, tick=False):
        assert is_gated(client.get(reverse("home")))


def test_once_accepted_the_gate_costs_no_query_on_later_pages(client, old_and_new):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    accept(user, old_and_new[1])
    client.force_login(user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    legal_tables = re.compile(r'(FROM|JOIN|UPDATE|INTO) "legal_')
    assert not [q["sql"] for q in queries.captured_queries if legal_tables.search(q["sql"])]


JOURNAL: list[dict] = []


def collect_journal(**row):
    JOURNAL.append(row)


def test_declining_and_accepting_are_journaled(
    client, settings, user_who_accepted_the_old, old_and_new
):
    settings.ACCOUNTS_JOURNAL_WRITER = "tests.legal.test_gate.collect_journal"
    JOURNAL.clear()
    client.force_login(user_who_accepted_the_old)
    client.post(reverse("legal:cgu_decline"))
    client.force_login(user_who_accepted_the_old)
    client.post(reverse("legal:cgu_gate"), {"version": old_and_new[1].pk, "accept": "on"})
    assert [row["action"] for row in JOURNAL] == ["cgu_declined", "cgu_accepted"]
    assert JOURNAL[0]["data"]["version"] == old_and_new[1].pk
