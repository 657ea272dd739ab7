"""Fixtures for the single sign-on tests."""

import pytest

from platforms.models import Platform

from .factories import register_client


@pytest.fixture
def platform(db) -> Platform:
    return Platform.objects.get(code="mgestion-entreprise")


@pytest.fixture
def other_platform(db) -> Platform:
    return Platform.objects.get(code="mcontributions")


@pytest.fixture
def client_and_secret(platform):
    client, secret = register_client(platform)
    platform.refresh_from_db()
    return client, secret


@pytest.fixture
def oidc_client(client_and_secret):
    return client_and_secret[0]
