"""Back-office: draft, preview, publish with permission; read-only proofs; CSV exports."""

import csv
import datetime as dt
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from legal import selectors, services
from legal.models import CGUAcceptance, CGUVersion, SiteSettings
from tests.accounts.factories import UserFactory
from tests.platforms.factories import deactivate

from .factories import CGUVersionFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    """Call it once the versions exist: the agent accepts the CGU in force (or is gated)."""

    def signed_in():
        agent = UserFactory(is_staff=True, is_superuser=True)
        version = selectors.cgu_in_force(now=timezone.now())
        if version is not None:
            accept(agent, version)
        client.force_login(agent)
        return client

    return signed_in


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="legal", codename__in=codenames)
    )
    return user


def accept(user, version, **extra):
    return services.cgu_accept(
        user=user,
        version=version,
        now=timezone.now(),
        ip_address=extra.get("ip", "192.0.2.10"),
        user_agent=extra.get("ua", "Firefox"),
        context="reacceptance",
    )


def test_staff_create_a_draft_in_the_back_office(superuser_client):
    superuser_client = superuser_client()
    response = superuser_client.post(
        reverse("admin:legal_cguversion_add"),
        {"label": "Avril 2027", "summary": "Article 3 revu.", "text": "# Texte"},
    )
    assert response.status_code == 302
    draft = CGUVersion.objects.get(label="Avril 2027")
    assert draft.status == CGUVersion.Status.DRAFT


def publish_url(version):
    return reverse("admin:legal_cguversion_publish", args=[version.pk])


def test_publishing_needs_the_publish_permission(client):
    draft = CGUVersionFactory()
    client.force_login(staff_with("view_cguversion", "change_cguversion"))
    assert client.get(publish_url(draft)).status_code == 403
    assert client.post(publish_url(draft), {"confirm": "1"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == CGUVersion.Status.DRAFT


def test_publishing_is_no_longer_a_list_action(client):
    """A list action published at once, with no look at the text (issue 15 item 4)."""
    draft = CGUVersionFactory()
    client.force_login(staff_with("view_cguversion", "change_cguversion", "publish_cguversion"))
    client.post(
        reverse("admin:legal_cguversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == CGUVersion.Status.DRAFT


def test_the_publish_page_shows_text_date_audience_and_asks_to_confirm(client):
    for _ in range(3):
        UserFactory()
    deactivate(UserFactory())  # cannot sign in: not asked
    draft = CGUVersionFactory(
        text="# Article 1\n\nLe compte est **personnel**.",
        effective_at=timezone.make_aware(dt.datetime(2099, 12, 1, 0, 0)),
    )
    agent = staff_with("view_cguversion", "change_cguversion", "publish_cguversion")
    client.force_login(agent)
    change = client.get(reverse("admin:legal_cguversion_change", args=[draft.pk])).text
    assert publish_url(draft) in change
    page = client.get(publish_url(draft)).text
    assert "<strong>personnel</strong>" in page  # rendered, not Markdown source
    assert "**" not in page
    assert "1er décembre 2099 à 00:00" in page
    assert "3 comptes actifs" in page  # the publisher is not counted
    assert 'name="confirm"' in page
    draft.refresh_from_db()
    assert draft.status == CGUVersion.Status.DRAFT  # looking publishes nothing


def test_confirming_publishes_and_the_publisher_is_not_sent_to_the_gate(client):
    draft = CGUVersionFactory()
    agent = staff_with("view_cguversion", "change_cguversion", "publish_cguversion")
    client.force_login(agent)
    response = client.post(publish_url(draft), {"confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:legal_cguversion_changelist")
    draft.refresh_from_db()
    assert draft.status == CGUVersion.Status.PUBLISHED
    assert draft.published_by == agent
    assert draft.is_intact
    # In force at once; the publisher continues in the back-office, not at the gate.
    following = client.get(response["Location"])
    assert following.status_code == 200
    acceptance = CGUAcceptance.objects.get(user=agent, version=draft)
    assert acceptance.context == CGUAcceptance.Context.PUBLICATION
    # Everybody else is gated.
    other = UserFactory()
    client.force_login(other)
    assert client.get(reverse("home"))["Location"].startswith(reverse("legal:cgu_gate"))


def test_a_refused_publication_says_why_and_changes_nothing(client):
    draft = CGUVersionFactory(effective_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(staff_with("view_cguversion", "change_cguversion", "publish_cguversion"))
    response = client.post(publish_url(draft), {"confirm": "1"})
    assert response.status_code == 200
    assert "La date d&#x27;entrée en vigueur est passée" in response.text
    draft.refresh_from_db()
    assert draft.status == CGUVersion.Status.DRAFT
    assert not CGUAcceptance.objects.exists()


def test_a_published_version_cannot_be_edited_in_the_back_office(superuser_client):
    version = publish(now=timezone.now(), text="Texte publié.")
    url = reverse("admin:legal_cguversion_change", args=[version.pk])
    superuser_client = superuser_client()
    page = superuser_client.get(url)
    assert page.status_code == 200
    assert 'name="text"' not in page.text  # read-only view
    response = superuser_client.post(url, {"label": "x", "text": "Texte modifié", "summary": ""})
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.text == "Texte publié."
    delete = superuser_client.post(
        reverse("admin:legal_cguversion_delete", args=[version.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert CGUVersion.objects.filter(pk=version.pk).exists()


def test_the_version_list_counts_acceptances(superuser_client):
    version = publish(now=timezone.now() - timedelta(days=1))
    for _ in range(3):
        accept(UserFactory(), version)
    superuser_client = superuser_client()
    page = superuser_client.get(reverse("admin:legal_cguversion_changelist"))
    assert '<td class="field-acceptances">4</td>' in page.text  # three users and the agent


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_export_the_acceptances_of_one_version(superuser_client):
    now = timezone.now()
    v1 = publish(now=now - timedelta(days=2))
    v2 = publish(now=now - timedelta(days=1))
    alice, bob = UserFactory(), UserFactory()
    accept(alice, v1)
    accept(bob, v2, ip="203.0.113.9", ua="=HYPERLINK(1)")
    superuser_client = superuser_client()
    response = superuser_client.get(
        reverse("admin:legal_cguacceptance_export"), {"version": v2.pk}
    )
    rows = read_csv(response)
    assert alice.email not in {row[1] for row in rows}
    (bob_row,) = [row for row in rows if row[1] == bob.email]
    assert bob_row[4] == v2.text_hash
    assert bob_row[6] == "203.0.113.9"
    assert bob_row[7] == "'=HYPERLINK(1)"  # no formula reaches a spreadsheet


def test_export_the_acceptances_of_one_user(superuser_client):
    now = timezone.now()
    v1 = publish(now=now - timedelta(days=2))
    v2 = publish(now=now - timedelta(days=1))
    alice = UserFactory()
    accept(alice, v1)
    accept(alice, v2)
    accept(UserFactory(), v2)
    superuser_client = superuser_client()
    response = superuser_client.get(
        reverse("admin:legal_cguacceptance_export"), {"user": alice.pk}
    )
    rows = read_csv(response)
    assert [row[1] for row in rows[1:]] == [alice.email, alice.email]


def test_the_export_needs_the_view_permission(client):
    client.force_login(staff_with("view_cguversion"))
    response = client.get(reverse("admin:legal_cguacceptance_export"), {"user": 1})
    assert response.status_code == 403


def test_acceptances_are_read_only_in_the_back_office(superuser_client):
    version = publish(now=timezone.now())
    acceptance = accept(UserFactory(), version)
    url = reverse("admin:legal_cguacceptance_change", args=[acceptance.pk])
    superuser_client = superuser_client()
    assert superuser_client.get(url).status_code == 200
    assert superuser_client.post(url, {"ip_address": "127.0.0.1"}).status_code == 403
    assert (
        superuser_client.post(
            reverse("admin:legal_cguacceptance_delete", args=[acceptance.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert CGUAcceptance.objects.get(pk=acceptance.pk).ip_address == "192.0.2.10"


def test_site_settings_are_edited_in_the_back_office(superuser_client):
    superuser_client = superuser_client()
    response = superuser_client.post(
        reverse("admin:legal_sitesettings_add"),
        {"editor_name": "Éditeur Zêta", "dpo_email": "dpo@zeta.example"},
    )
    assert response.status_code == 302
    assert SiteSettings.objects.get().editor_name == "Éditeur Zêta"
    assert "Éditeur Zêta" in superuser_client.get(reverse("legal:legal_notice")).text
