"""CGU versions: drafts, publication, immutability, exactly one version in force."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from legal import selectors, services
from legal.models import CGUVersion, text_hash

from .factories import CGUVersionFactory, publish

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_a_draft_can_be_edited():
    draft = CGUVersionFactory()
    services.cgu_draft_update(version=draft, label="Mars 2027", text="Nouveau texte")
    draft.refresh_from_db()
    assert (draft.label, draft.text) == ("Mars 2027", "Nouveau texte")


def test_publication_stores_the_text_hash_and_instants():
    version = publish(now=NOW, text="Article unique.")
    assert version.status == CGUVersion.Status.PUBLISHED
    assert version.text_hash == text_hash("Article unique.")
    assert version.published_at == NOW
    assert version.effective_at == NOW
    assert version.is_intact


def test_a_published_version_cannot_be_edited_through_the_service():
    version = publish(now=NOW)
    with pytest.raises(ValidationError, match="ne peut plus être modifiée"):
        services.cgu_draft_update(version=version, label="Autre", text="Autre texte")
    version.refresh_from_db()
    assert version.text != "Autre texte"


def test_the_database_refuses_to_change_a_published_text():
    version = publish(now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        CGUVersion.objects.filter(pk=version.pk).update(text="Texte modifié en douce")
    version.refresh_from_db()
    assert version.is_intact


def test_a_tampered_text_no_longer_matches_its_hash():
    version = publish(now=NOW, text="Texte d'origine.")
    version.text = "Texte changé."
    assert not version.is_intact


def test_two_published_versions_cannot_share_an_effective_instant():
    later = NOW + timedelta(days=10)
    publish(now=NOW, effective_at=later)
    with pytest.raises(ValidationError, match="déjà en vigueur à cet instant"):
        publish(now=NOW, effective_at=later)


def test_the_database_refuses_two_published_versions_with_the_same_effective_instant():
    first = publish(now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        CGUVersion.objects.create(
            label="Doublon",
            text="x",
            status=CGUVersion.Status.PUBLISHED,
            published_at=NOW,
            effective_at=first.effective_at,
            text_hash=text_hash("x"),
        )


def test_exactly_one_version_is_in_force_at_any_instant():
    v1 = publish(now=NOW)
    v2 = publish(now=NOW + timedelta(days=1))
    v3 = publish(now=NOW + timedelta(days=1), effective_at=NOW + timedelta(days=30))
    assert selectors.cgu_in_force(now=NOW - timedelta(seconds=1)) is None
    assert selectors.cgu_in_force(now=NOW) == v1
    assert selectors.cgu_in_force(now=NOW + timedelta(days=2)) == v2
    assert selectors.cgu_in_force(now=NOW + timedelta(days=30)) == v3


def test_a_draft_is_never_in_force():
    CGUVersionFactory(effective_at=NOW - timedelta(days=1))
    assert selectors.cgu_in_force(now=NOW) is None


def test_a_future_effective_date_takes_effect_at_that_exact_instant(client):
    current = publish(now=NOW, text="Texte actuel.")
    effective = NOW + timedelta(days=15)
    future = publish(now=NOW, effective_at=effective, text="Texte futur.")
    with time_machine.travel(effective - timedelta(microseconds=1), tick=False):
        assert selectors.cgu_in_force(now=timezone.now()) == current
        assert "Texte actuel." in client.get("/cgu/").text
    with time_machine.travel(effective, tick=False):
        assert selectors.cgu_in_force(now=timezone.now()) == future
        assert "Texte futur." in client.get("/cgu/").text


def test_publishing_with_an_effective_date_in_the_past_is_refused():
    draft = CGUVersionFactory(effective_at=NOW - timedelta(days=1))
    with pytest.raises(ValidationError, match="passée"):
        services.cgu_publish(version=draft, actor=None, now=NOW)
    draft.refresh_from_db()
    assert draft.status == CGUVersion.Status.DRAFT


def test_publishing_twice_is_a_no_op():
    version = publish(now=NOW)
    again = services.cgu_publish(version=version, actor=None, now=NOW + timedelta(days=1))
    assert again.published_at == NOW


def test_markdown_is_rendered_without_scripts():
    from legal.rendering import render_markdown

    html = render_markdown("# Titre\n\n<script>alert(1)</script>\n\n[lien](javascript:alert(1))")
    assert "<h1>Titre</h1>" in html
    assert "<script" not in html
    assert "javascript:" not in html
