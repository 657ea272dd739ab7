"""The CGU gate: rules no test caught before (issue 11)."""

from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.urls.resolvers import ResolverMatch
from django.utils import timezone

from legal import selectors, services
from legal.middleware import CGUGateMiddleware
from legal.models import CGUAcceptance
from tests.accounts.factories import UserFactory

from .factories import CGUVersionFactory, publish

pytestmark = pytest.mark.django_db


def accept(user, version):
    return services.cgu_accept(
        user=user,
        version=version,
        now=timezone.now(),
        ip_address="192.0.2.1",
        user_agent="test",
        context=CGUAcceptance.Context.SIGNUP,
    )


def is_gated(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("legal:cgu_gate"))


def test_a_version_published_effective_now_gates_the_very_next_request_even_when_cached(
    client, django_capture_on_commit_callbacks
):
    old = publish(now=timezone.now() - timedelta(days=30))
    user = UserFactory()
    accept(user, old)
    client.force_login(user)
    # The timeline is cached and the accepted version remembered in the session.
    assert client.get(reverse("home")).status_code == 200
    assert selectors.cgu_timeline()
    draft = CGUVersionFactory(effective_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.cgu_publish(version=draft, actor=None, now=timezone.now())
    assert is_gated(client.get(reverse("home")))


def _request(path, user):
    request = RequestFactory().get(path)
    request.user = user
    request.session = {}
    # A view that would answer this path (as django.views.static.serve does under DEBUG).
    request.resolver_match = ResolverMatch(lambda r: HttpResponse(), (), {}, url_name="serve")
    return request


def test_static_files_pass_the_gate_where_the_same_view_elsewhere_is_gated():
    """Replaces a check on /static/css/site.css that answered 404 in tests (no view ran,
    so the gate never looked at it and the test could not fail)."""
    publish(now=timezone.now() - timedelta(days=1))
    user = UserFactory()  # has accepted nothing
    gate = CGUGateMiddleware(lambda request: HttpResponse())
    static = _request("/static/css/site.css", user)
    page = _request("/pas-statique/css/site.css", user)
    assert gate.process_view(static, static.resolver_match.func, (), {}) is None
    assert is_gated(gate.process_view(page, page.resolver_match.func, (), {}))
