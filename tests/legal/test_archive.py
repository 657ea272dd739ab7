"""Archive of CGU versions, each version readable, side-by-side difference."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from legal.rendering import side_by_side
from tests.accounts.factories import UserFactory

from .factories import CGUVersionFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions():
    now = timezone.now()
    first = publish(now=now - timedelta(days=60), label="Janvier", text="Un.\nDeux.\nTrois.\n")
    second = publish(now=now - timedelta(days=1), label="Mars", text="Un.\nDeux bis.\nTrois.\n")
    upcoming = publish(now=now, effective_at=now + timedelta(days=20), label="Avril", text="x")
    return first, second, upcoming


def test_the_archive_lists_every_published_version_with_its_dates(client, versions):
    response = client.get(reverse("legal:cgu_archive"))
    assert response.status_code == 200
    for version in versions:
        assert version.label in response.text
        assert reverse("legal:cgu_version", args=[version.pk]) in response.text
    assert "En vigueur" in response.text
    assert "À venir" in response.text


def test_a_draft_is_not_in_the_archive_nor_readable_by_users(client, versions):
    draft = CGUVersionFactory(label="Brouillon secret")
    assert "Brouillon secret" not in client.get(reverse("legal:cgu_archive")).text
    assert client.get(reverse("legal:cgu_version", args=[draft.pk])).status_code == 404


def test_staff_can_preview_a_draft(client):
    draft = CGUVersionFactory(label="Brouillon", text="**Aperçu**")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("legal:cgu_version", args=[draft.pk]))
    assert response.status_code == 200
    assert "<strong>Aperçu</strong>" in response.text
    assert (
        "Aperçu d&#x27;un brouillon" in response.text or "Aperçu d'un brouillon" in response.text
    )


def test_each_version_is_readable(client, versions):
    response = client.get(reverse("legal:cgu_version", args=[versions[0].pk]))
    assert response.status_code == 200
    assert "Deux." in response.text
    assert versions[0].text_hash in response.text


def test_the_current_cgu_page_shows_the_version_in_force(client, versions):
    response = client.get(reverse("legal:cgu"))
    assert "Mars" in response.text
    assert "Deux bis." in response.text


def test_the_difference_page_shows_both_versions_side_by_side(client, versions):
    first, second, _ = versions
    response = client.get(reverse("legal:cgu_diff"), {"de": first.pk, "a": second.pk})
    assert response.status_code == 200
    assert 'class="diff-replace"' in response.text
    assert "Deux." in response.text and "Deux bis." in response.text


def test_the_difference_page_escapes_the_texts(client):
    now = timezone.now()
    a = publish(now=now - timedelta(days=2), text="<b>gras</b>")
    b = publish(now=now - timedelta(days=1), text="<script>alert(1)</script>")
    response = client.get(reverse("legal:cgu_diff"), {"de": a.pk, "a": b.pk})
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_the_difference_page_refuses_unknown_versions(client, versions):
    response = client.get(reverse("legal:cgu_diff"), {"de": 999999, "a": versions[0].pk})
    assert response.status_code == 200
    assert 'class="diff-' not in response.text.split("</form>")[-1]


def test_side_by_side_pairs_changed_lines():
    rows = side_by_side("a\nb\nc", "a\nB\nc\nd")
    assert [(r.kind, r.left, r.right) for r in rows] == [
        ("equal", "a", "a"),
        ("replace", "b", "B"),
        ("equal", "c", "c"),
        ("insert", "", "d"),
    ]
