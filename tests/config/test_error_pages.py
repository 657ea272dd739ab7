"""With DEBUG off, errors show the project's French pages, not Django's bare English ones."""

import pytest
from django.template.loader import get_template
from django.urls import reverse

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False


def test_unknown_page_shows_french_404_with_links_home_and_legal(client):
    response = client.get("/nexistepas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert "Not Found" not in response.text
    assert f'href="{reverse("home")}"' in response.text
    assert reverse("legal:legal_notice") in response.text


def test_forbidden_page_shows_french_403(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:login"))
    assert response.status_code == 403
    assert "Accès refusé" in response.text
    assert "403 Forbidden" not in response.text
    assert reverse("legal:cgu") in response.text


def test_server_error_page_renders_without_request_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = get_template("500.html").render({})
    assert "Une erreur est survenue" in html
    assert reverse("legal:privacy") in html
