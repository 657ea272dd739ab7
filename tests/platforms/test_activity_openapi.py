"""schemathesis against ``/api/v1/openapi.json``: the API keeps the promises it documents."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client as DjangoClient
from hypothesis import HealthCheck, settings

from platforms.openapi import document

from .factories import grant, register_client, verified_user
from .test_activity_api import client_credentials_token

# Loaded from the same function that serves /api/v1/openapi.json (checked below),
# and called through Django's WSGI handler, in the test's database transaction.
schema = schemathesis.openapi.from_dict(document(None))
schema.app = get_wsgi_application()


@pytest.fixture
def bearer_for_wsgi(platform_bearer):
    """Calling the WSGI handler directly fires ``request_started`` and
    ``request_finished``, whose ``close_old_connections`` would close the test's
    connection inside its transaction (Django's test client does the same, and
    reconnects them after each of its own requests: hence after ``platform_bearer``)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield platform_bearer
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def platform_bearer(db):
    from platforms.models import Platform

    platform = Platform.objects.get(code="mgestion-entreprise")
    oidc_client, secret = register_client(platform)
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    return client_credentials_token(DjangoClient(), oidc_client, secret)


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    # The bearer token (and its platform, client and user rows) is made once per test
    # by a function-scoped fixture and shared by every generated example on purpose:
    # the examples only read it, inside the test's transaction.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_activity_api_conforms_to_its_openapi_document(case, bearer_for_wsgi):
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer_for_wsgi}"})


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.json() == document(None)
