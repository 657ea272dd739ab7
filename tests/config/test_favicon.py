"""Pages declare a favicon and /favicon.ico answers (no 404 logged on every page)."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_link_the_favicon(client):
    response = client.get(reverse("account_login"))
    assert 'rel="icon"' in response.text
    assert "favicon.svg" in response.text
    assert finders.find("favicon.svg")


def test_favicon_ico_redirects_to_the_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url.endswith(".svg")
