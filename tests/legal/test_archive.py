"""Archive of CGU versions, each version readable, side-by-side difference."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from legal.rendering import paragraph_diff, side_by_side
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
    assert 'class="diff-replace' in response.text
    assert "<del>Deux.</del>" in response.text and "<ins>Deux bis.</ins>" in response.text


def test_the_difference_page_marks_only_the_changed_paragraph_of_markdown_texts(client):
    """Issue 15 item 11 on the page itself: rendered text, one changed row, words marked."""
    now = timezone.now()
    text = "# Article {n}\n\nLe compte est **personnel**.\n\n"
    old = "".join(text.format(n=n) for n in range(1, 6))
    new = old.replace(
        "# Article 3\n\nLe compte est **personnel**.",
        "# Article 3\n\nLe compte est **strictement personnel**.",
    )
    a = publish(now=now - timedelta(days=2), text=old)
    b = publish(now=now - timedelta(days=1), text=new)
    page = client.get(reverse("legal:cgu_diff"), {"de": a.pk, "a": b.pk}).text
    table = page[page.index('class="diff-') :]
    assert "**" not in table and "# Article" not in table
    assert table.count('class="diff-replace') == 1
    assert "<ins>strictement</ins>" in table
    assert table.count('class="diff-equal') == 9


def test_the_difference_page_escapes_the_texts(client):
    now = timezone.now()
    a = publish(now=now - timedelta(days=2), text="<b>gras</b>")
    b = publish(now=now - timedelta(days=1), text="<script>alert(1)</script>")
    response = client.get(reverse("legal:cgu_diff"), {"de": a.pk, "a": b.pk})
    assert "<script>alert(1)</script>" not in response.text
    assert "gras" in response.text  # the rendered text, sanitised (no script survives)


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


def test_the_difference_compares_rendered_paragraphs_not_markdown_source():
    """Issue 15 item 11: no "#" or "*" shown, one changed paragraph is one row."""
    old = "# Article 1\n\nLe compte est **personnel** et confidentiel.\n\n# Article 2\n\nFin."
    new = (
        "# Article 1\n\nLe compte est **strictement personnel** et confidentiel.\n\n"
        "# Article 2\n\nFin.\n\nUn nouvel article."
    )
    rows = paragraph_diff(old, new)
    assert [r.kind for r in rows] == ["equal", "replace", "equal", "equal", "insert"]
    changed = rows[1]
    assert "#" not in changed.left + changed.right and "*" not in changed.left + changed.right
    assert str(changed.right) == "Le compte est <ins>strictement</ins> personnel et confidentiel."
    assert str(changed.left) == "Le compte est personnel et confidentiel."
    assert rows[0].heading and str(rows[0].left) == "Article 1"
    assert str(rows[-1].right) == "<ins>Un nouvel article.</ins>"


def test_an_unrelated_paragraph_is_a_deletion_and_an_insertion():
    rows = paragraph_diff("Premier texte sans rapport.", "Tout autre chose ici, vraiment.")
    assert [r.kind for r in rows] == ["delete", "insert"]


def test_the_difference_escapes_the_paragraph_text():
    rows = paragraph_diff("Texte &lt;b&gt; un.", "Texte &lt;b&gt; deux.")
    assert "<b>" not in str(rows[0].left) + str(rows[0].right)


@pytest.mark.parametrize(
    ("effective_at", "shown", "not_shown"),
    [
        # 00:30 in Paris on 1 March (winter time) is still 28 February in UTC.
        ((2027, 3, 1, 0, 30), "1er mars 2027 à 00:30", "28 février"),
        # After the October change back to winter time, the same at the start of November.
        ((2027, 11, 1, 0, 30), "1er novembre 2027 à 00:30", "31 octobre"),
        # Only the first is "1er": the 11th and the 21st stay as they are.
        ((2027, 3, 11, 12, 0), "11 mars 2027 à 12:00", "11er"),
        ((2027, 3, 31, 23, 30), "31 mars 2027 à 23:30", "1er avril"),
    ],
)
def test_a_page_writes_the_first_of_the_month_1er_in_paris_time(
    client, effective_at, shown, not_shown
):
    version = publish(
        now=timezone.now(),
        effective_at=timezone.make_aware(datetime(*effective_at)),
        label="Printemps",
    )

    page = client.get(reverse("legal:cgu_archive")).text

    assert version.label in page
    assert shown in page
    assert not_shown not in page
