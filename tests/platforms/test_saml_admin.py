"""Registering SAML service providers in the back-office, from their metadata."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from platforms.models import Platform, ServiceProvider
from tests.accounts.factories import UserFactory

from .saml_sp import make_sp

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/platforms/serviceprovider/add/"


@pytest.fixture
def sp(tmp_path, settings):
    settings.SAML_IDP_KEY_DIR = tmp_path / "idp"
    from platforms.saml import idp

    return make_sp(tmp_path, idp_metadata=idp.metadata_xml())


def agent(client, group: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


def upload(client, sp, **extra):
    data = {
        "platform": Platform.objects.get(code="mgepp").pk,
        "metadata_url": "",
        "metadata_file": SimpleUploadedFile("sp.xml", sp.metadata_xml.encode(), "text/xml"),
        "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "released_attributes": ["email", "habilitations"],
        "is_active": "on",
        **extra,
    }
    return client.post(ADD_URL, data)


def test_administrator_registers_a_provider_from_its_metadata_file(client, sp):
    response = upload(agent(client, "Administrateur OPCO"), sp)
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = ServiceProvider.objects.get()
    assert provider.entity_id == sp.entity_id
    assert provider.released_attributes == ["email", "habilitations"]
    # The test SP's certificate is valid one year: its expiry is read from the XML.
    assert provider.certificate_expires_at - timezone.now() > timedelta(days=360)
    listing = client.get("/admin/platforms/serviceprovider/").content.decode()
    assert "valide jusqu" in listing


def test_unreadable_metadata_is_refused_in_french_and_nothing_is_saved(client, sp):
    response = upload(
        agent(client, "Administrateur OPCO"),
        sp,
        metadata_file=SimpleUploadedFile("sp.xml", b"<not-saml/>", "text/xml"),
    )
    assert response.status_code == 200
    assert "fournisseur de service" in response.content.decode()
    assert not ServiceProvider.objects.exists()


def test_a_non_centralised_platform_cannot_have_a_provider(client, sp):
    response = upload(
        agent(client, "Administrateur OPCO"),
        sp,
        platform=Platform.objects.get(code="mtutorat").pk,
    )
    assert response.status_code == 200
    assert not ServiceProvider.objects.exists()


def test_an_agent_sees_providers_but_cannot_register_one(client, sp):
    agent(client, "Agent OPCO")
    assert client.get("/admin/platforms/serviceprovider/").status_code == 200
    assert upload(client, sp).status_code == 403
    assert not ServiceProvider.objects.exists()
