"""The organisation kinds a platform is open to are ticked on its back-office page."""

import re

import pytest
from django.urls import reverse

from platforms.models import Platform
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_agent_ticks_the_organisation_kinds_on_the_platform_page(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    platform = Platform.objects.get(code="mgestion-of")
    url = reverse("admin:platforms_platform_change", args=[platform.pk])
    page = client.get(url).text
    assert "Types d&#x27;organisation autorisés" in page
    assert re.search(r'name="organisation_kinds" value="of"[^>]*checked', page)
    assert 'name="host_name"' in page  # the other fields are still there
    form = dict(re.findall(r'<input type="text" name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    form.update(
        {
            "name": platform.name,
            "code": platform.code,
            "is_centralised": "on",
            "deactivation_popin": "on",
            "position": platform.position,
            "roles": [r.pk for r in platform.roles.all()],
            "organisation_kinds": ["of", "cfa", "entreprise"],
        }
    )
    response = client.post(url, form)
    assert response.status_code == 302, response.text
    platform.refresh_from_db()
    assert sorted(platform.organisation_kinds) == ["cfa", "entreprise", "of"]
