"""The account journal reads in French and on the Paris clock (back-office user page)."""

import pytest
from django.urls import reverse

from accounts import services as account_services
from lifecycle import labels, services
from lifecycle.models import DeactivationReason
from tests.accounts.factories import OrganisationFactory

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client):
    agent = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(agent)
    return agent


@pytest.fixture
def journal_page(client, agent):
    user = UserFactory()
    organisation = OrganisationFactory(siret="73282932000074")
    account_services.membership_create(
        user=user, organisation=organisation, is_administrator=False, now=paris(2027, 3, 10, 9, 0)
    )
    services.account_deactivate(
        user=user, actor=agent, now=paris(2027, 3, 10, 14, 5), reason=DeactivationReason.OPCO
    )
    return client.get(reverse("admin:accounts_user_change", args=[user.pk])).text


def test_journal_shows_french_actions_not_codes(journal_page):
    assert "Rattachement à une organisation" in journal_page
    assert "Compte désactivé" in journal_page
    assert "membership_created" not in journal_page


def test_journal_shows_french_reason(journal_page):
    assert "Désactivé par OPCO Mobilités" in journal_page
    assert ">opco<" not in journal_page


def test_journal_details_are_a_readable_list_not_json(journal_page):
    assert "Organisation (SIRET) : 73282932000074" in journal_page
    assert "Administrateur : Non" in journal_page
    assert '{"organisation"' not in journal_page
    assert "{&quot;organisation" not in journal_page


def test_journal_times_are_paris_times_everywhere(journal_page):
    assert "10/03/2027 14:05" in journal_page
    assert "13:05" not in journal_page  # the UTC instant


def test_unknown_codes_are_shown_as_they_are():
    assert labels.action_label("something_new") == "something_new"
    assert labels.reason_label("") == ""


def test_instants_in_details_are_on_the_paris_clock():
    assert labels.data_sentence({"deadline": "2026-12-11T23:00:00+00:00"}) == (
        "Échéance : 12/12/2026 00:00"
    )
