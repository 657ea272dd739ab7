"""The back-office is branded OPCO Mobilités and its titles read as French."""

import pytest
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client):
    agent = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(agent)
    return agent


def test_admin_pages_carry_the_back_office_name(client, agent):
    text = client.get(reverse("admin:index")).text
    assert "Back-office OPCO Mobilités" in text
    assert "Administration de Django" not in text
    assert "administration de Django" not in text


def test_user_page_title_is_natural_french(client, agent):
    user = UserFactory()
    text = client.get(reverse("admin:accounts_user_change", args=[user.pk])).text
    assert "Modifier l&#x27;utilisateur" in text or "Modifier l'utilisateur" in text
    assert "Modification de utilisateur" not in text
