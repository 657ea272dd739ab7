"""The back-office deactivation confirmation agrees in number with the selection."""

import pytest
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:accounts_user_changelist"


@pytest.fixture
def agent(client):
    agent = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(agent)
    return agent


def confirm(client, users):
    return client.post(
        reverse(CHANGELIST),
        {"action": "deactivate_accounts", "_selected_action": [u.pk for u in users]},
    ).text


def test_one_account_is_spoken_of_in_the_singular(client, agent):
    text = confirm(client, [UserFactory()])
    assert "Sans réactivation, il sera supprimé définitivement" in text
    assert "ils seront supprimés" not in text


def test_several_accounts_are_spoken_of_in_the_plural(client, agent):
    text = confirm(client, UserFactory.create_batch(2))
    assert "Sans réactivation, ils seront supprimés définitivement" in text
