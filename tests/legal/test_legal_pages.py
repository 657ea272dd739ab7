"""Legal pages come from data: change the data, the page changes."""

import pytest
from django.urls import reverse

from legal.models import SiteSettings
from platforms.models import Platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return SiteSettings.objects.create(
        pk=1,
        editor_name="Éditeur Alpha",
        editor_address="1 rue Alpha, 75001 Paris",
        editor_registry="SIREN 111 111 111",
        publication_director="Directrice Alpha",
        dpo_email="dpo@alpha.example",
        dpo_postal_address="DPO, 1 rue Alpha",
        cnil_address="CNIL, adresse Alpha",
    )


def test_the_legal_notice_shows_the_editor_facts_and_follows_their_changes(client, site):
    response = client.get(reverse("legal:legal_notice"))
    for fact in ["Éditeur Alpha", "1 rue Alpha", "SIREN 111 111 111", "Directrice Alpha"]:
        assert fact in response.text
    site.editor_name = "Éditeur Bêta"
    site.publication_director = "Directeur Bêta"
    site.editor_registry = "RNA W000000000"
    site.save()
    response = client.get(reverse("legal:legal_notice"))
    assert "Éditeur Bêta" in response.text
    assert "Directeur Bêta" in response.text
    assert "RNA W000000000" in response.text
    assert "Éditeur Alpha" not in response.text


def test_the_legal_notice_lists_host_and_designer_of_every_platform(client, site):
    platforms = list(Platform.objects.all())
    assert platforms, "the platforms are seeded by migration"
    response = client.get(reverse("legal:legal_notice"))
    for platform in platforms:
        assert platform.name in response.text
    platform = platforms[0]
    platform.host_name = "Hébergeur Gamma"
    platform.designer_name = "Conception Delta"
    platform.save()
    response = client.get(reverse("legal:legal_notice"))
    assert "Hébergeur Gamma" in response.text
    assert "Conception Delta" in response.text


def test_the_privacy_page_shows_the_dpo_and_cnil_contacts_from_data(client, site):
    response = client.get(reverse("legal:privacy"))
    assert "dpo@alpha.example" in response.text
    assert "DPO, 1 rue Alpha" in response.text
    assert "CNIL, adresse Alpha" in response.text
    site.dpo_email = "protection@beta.example"
    site.save()
    assert "protection@beta.example" in client.get(reverse("legal:privacy")).text


def test_the_pages_render_before_anyone_fills_the_settings(client):
    for name in ["legal:legal_notice", "legal:privacy", "legal:cgu", "legal:cgu_archive"]:
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("url", ["/accounts/login/", "/mentions-legales/", "/cookies/"])
def test_every_page_footer_links_the_legal_pages(client, site, url):
    response = client.get(url)
    for name in [
        "legal:legal_notice",
        "legal:cgu",
        "legal:cgu_archive",
        "legal:privacy",
        "legal:cookies",
    ]:
        assert f'href="{reverse(name)}"' in response.text
    assert "Gestion des cookies" in response.text


def test_no_company_fact_is_hard_coded_in_the_legal_templates():
    from pathlib import Path

    from django.conf import settings

    facts = ["OPCO Mobilités", "Boulogne", "851 240 499", "dpo@", "Fontenoy", "RICH-ID"]
    for template in (Path(settings.BASE_DIR) / "templates" / "legal").glob("*.html"):
        text = template.read_text()
        for fact in facts:
            assert fact not in text, f"{fact!r} hard-coded in {template.name}"
