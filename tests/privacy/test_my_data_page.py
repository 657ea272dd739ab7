"""The "Mes données" page shows the export in French key/value tables (and so does the JSON download)."""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.accounts.factories import OrganisationFactory, UserFactory, administrator_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(client):
    user = UserFactory(first_name="Camille", last_name="Durand")
    organisation = OrganisationFactory(legal_name="Logistique Nouvelle SAS")
    administrator_of(organisation, user)
    client.force_login(user)
    return user


@pytest.fixture
def page(client, user):
    return client.get(reverse("privacy:my_data")).text


def test_every_section_has_a_french_title(page):
    assert "Organisation user object permissions" not in page
    assert "Droits d&#x27;administration d&#x27;organisation" in page
    assert "Journal des comptes" in page


def test_section_titles_keep_their_capitals(page):
    assert "Acceptations des cgu" not in page


def test_details_are_french_key_value_tables_not_json(page):
    assert '<th scope="row">Prénom</th><td>Camille</td>' in page
    assert '<th scope="row">Administrateur</th><td>Oui</td>' in page
    assert '"first_name"' not in page
    assert "&quot;first_name&quot;" not in page
    assert "<pre>" not in page


def test_journal_rows_show_french_actions(page):
    assert "Rattachement à une organisation" in page
    assert "membership_created" not in page


def test_instants_are_shown_on_the_paris_clock(client, user):
    user.date_joined = datetime(2027, 3, 10, 13, 5, tzinfo=UTC)
    user.save(update_fields=["date_joined"])
    page = client.get(reverse("privacy:my_data")).text
    assert "10/03/2027 14:05" in page


def download(client):
    response = client.get(reverse("privacy:my_data_export"))
    assert response["Content-Disposition"].startswith("attachment")
    return response.content.decode(), json.loads(response.content)


def test_json_download_reads_for_a_person(client, user):
    """Issue 15 item 12: French titles and keys, readable values, no internal names."""
    text, data = download(client)
    assert data["Titulaire"] == user.email
    sections = data["Rubriques"]
    assert sections["Profil"]["Prénom"] == "Camille"
    assert sections["Profil"]["Agent OPCO Mobilités"] == "Non"
    assert sections["Profil"]["État du compte"] == "Actif"
    [membership] = sections["Organisations et habilitations"]
    assert membership["Organisation"] == "Logistique Nouvelle SAS"
    assert membership["Administrateur"] == "Oui"
    [right] = sections["Droits d'administration d'organisation"]
    assert right["Droit"] == "Administrer l'organisation"
    actions = [row["Action"] for row in sections["Journal des comptes"]]
    assert "Rattachement à une organisation" in actions
    assert sections["Demandes au DPO"] == "Aucune donnée"
    for internal in [
        "accounts.organisationuserobjectpermission",
        "membership_created",
        '"first_name"',
        '"sections"',
        '"key"',
        "lifecycle.",
        "Comptes et organisations |",
    ]:
        assert internal not in text, internal


def test_json_download_shows_instants_on_the_paris_clock(client, user):
    user.date_joined = datetime(2027, 3, 10, 13, 5, tzinfo=UTC)
    user.save(update_fields=["date_joined"])
    _text, data = download(client)
    assert data["Rubriques"]["Profil"]["Inscription le"] == "10/03/2027 14:05"
