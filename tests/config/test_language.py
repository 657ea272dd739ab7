"""The product speaks French to every visitor, whatever his browser prefers."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_in_page_is_french_for_an_english_browser(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert "Sign In" not in response.text
    assert "Connexion" in response.text
    assert 'lang="fr"' in response.text
