"""``POST /api/v1/activity``: platforms report their users' activity in batches."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.accounts.factories import UserFactory

from .factories import deactivate, grant, register_client, verified_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/activity"
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def client_credentials_token(client, oidc_client, secret) -> str:
    basic = base64.b64encode(f"{oidc_client.id}:{secret}".encode()).decode()
    response = client.post(
        "/identity/o/api/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def bearer(client, client_and_secret):
    oidc_client, secret = client_and_secret
    return {
        "HTTP_AUTHORIZATION": f"Bearer {client_credentials_token(client, oidc_client, secret)}"
    }


def post(client, body, bearer):
    return client.post(URL, body, content_type="application/json", **bearer)


def member(platform, **kwargs):
    user = verified_user(last_activity_at=LONG_AGO, **kwargs)
    grant(user=user, platform=platform, role_code="gestionnaire")
    return user


def test_reported_activity_moves_last_activity_forward(client, platform, bearer):
    user = member(platform)
    at = timezone.now() - timedelta(hours=1)

    response = post(client, [{"sub": str(user.pk), "at": at.isoformat()}], bearer)

    assert response.status_code == 200
    assert response.json()["results"][0]["code"] == "recorded"
    user.refresh_from_db()
    assert user.last_activity_at == at


def test_older_report_never_moves_activity_back(client, platform, bearer):
    user = member(platform)
    recent = timezone.now() - timedelta(minutes=5)
    type(user).objects.filter(pk=user.pk).update(last_activity_at=recent)

    post(client, [{"sub": str(user.pk), "at": (recent - timedelta(days=3)).isoformat()}], bearer)

    user.refresh_from_db()
    assert user.last_activity_at == recent


def test_replaying_a_batch_changes_nothing_more(client, platform, bearer):
    user = member(platform)
    body = [{"sub": str(user.pk), "at": "2026-01-02T10:00:00+01:00"}]

    first = post(client, body, bearer)
    second = post(client, body, bearer)

    assert first.json() == second.json()
    user.refresh_from_db()
    assert user.last_activity_at == datetime(2026, 1, 2, 9, 0, tzinfo=UTC)


def test_bad_items_get_their_own_4xx_and_good_ones_are_kept(client, platform, bearer):
    good = member(platform)
    inactive = member(platform)
    deactivate(inactive)
    type(inactive).objects.filter(pk=inactive.pk).update(last_activity_at=LONG_AGO)
    stranger = UserFactory()  # no role on this platform
    future = (timezone.now() + timedelta(days=1)).isoformat()
    body = [
        {"sub": str(good.pk), "at": "2026-01-02T10:00:00Z"},
        {"sub": "999999999", "at": "2026-01-02T10:00:00Z"},
        {"sub": str(stranger.pk), "at": "2026-01-02T10:00:00Z"},
        {"sub": str(good.pk), "at": future},
        {"sub": str(good.pk), "at": "hier"},
        {"sub": str(good.pk), "at": "2026-01-02T10:00:00"},
        {"sub": 12, "at": "2026-01-02T10:00:00Z"},
        "not an object",
        {"sub": str(inactive.pk), "at": "2026-01-02T10:00:00Z"},
    ]

    response = post(client, body, bearer)

    assert response.status_code == 207
    data = response.json()
    assert [(r["index"], r["status"], r["code"]) for r in data["results"]] == [
        (0, 200, "recorded"),
        (1, 404, "unknown_sub"),
        (2, 404, "unknown_sub"),
        (3, 422, "future_instant"),
        (4, 400, "malformed"),
        (5, 400, "malformed"),
        (6, 400, "malformed"),
        (7, 400, "malformed"),
        (8, 409, "inactive_account"),
    ]
    assert (data["recorded"], data["rejected"]) == (1, 8)
    good.refresh_from_db()
    inactive.refresh_from_db()
    assert good.last_activity_at == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    assert inactive.last_activity_at == LONG_AGO


def test_body_must_be_a_json_array(client, bearer):
    assert post(client, {"sub": "1"}, bearer).status_code == 400
    assert client.post(URL, "nope", content_type="application/json", **bearer).status_code == 400


def test_more_than_ten_thousand_items_are_refused(client, bearer):
    body = [{"sub": "1", "at": "2026-01-02T10:00:00Z"}] * 10_001

    assert post(client, body, bearer).status_code == 422


def test_a_token_is_required(client):
    response = client.post(URL, [], content_type="application/json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_users_token_cannot_report_activity(client, platform, oidc_client):
    from allauth.idp.oidc.adapter import get_adapter
    from allauth.idp.oidc.models import Token

    user = member(platform)
    Token.objects.create(
        user=user,
        client=oidc_client,
        type=Token.Type.ACCESS_TOKEN,
        hash=get_adapter().hash_token("user-token"),
    )

    response = post(client, [], {"HTTP_AUTHORIZATION": "Bearer user-token"})

    assert response.status_code == 401


def test_another_platforms_token_reports_only_for_its_own_users(
    client, platform, other_platform, bearer
):
    other_client, other_secret = register_client(other_platform)
    other_bearer = {
        "HTTP_AUTHORIZATION": f"Bearer {client_credentials_token(client, other_client, other_secret)}"
    }
    user = member(platform)

    response = post(client, [{"sub": str(user.pk), "at": "2026-01-02T10:00:00Z"}], other_bearer)

    assert response.json()["results"][0]["code"] == "unknown_sub"


def _batch_queries(client, bearer, body) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = post(client, body, bearer)
    assert response.status_code == 200
    return len(queries)


def test_ten_thousand_items_cost_the_same_queries_as_ten(client, platform, bearer):
    """Set-based ingestion: the query count does not grow with the batch size."""
    users = [member(platform) for _ in range(20)]
    at = "2026-01-02T10:00:00+00:00"
    small = [{"sub": str(user.pk), "at": at} for user in users[:10]]
    # 10,000 items over the 20 users (a platform reports each hit).
    large = [
        {"sub": str(users[i % 20].pk), "at": f"2026-01-02T10:{i % 60:02d}:00+00:00"}
        for i in range(10_000)
    ]

    small_count = _batch_queries(client, bearer, small)
    large_count = _batch_queries(client, bearer, large)

    assert large_count == small_count
    users[19].refresh_from_db()
    assert users[19].last_activity_at == datetime(2026, 1, 2, 10, 59, tzinfo=UTC)


def test_ten_thousand_distinct_accounts_in_one_batch(
    client, platform, bearer, django_assert_max_num_queries
):
    from accounts.models import Membership, User
    from platforms.models import Access, Role

    users = User.objects.bulk_create(
        User(email=f"bulk{i}@example.fr", first_name="B", last_name=str(i)) for i in range(10_000)
    )
    organisation = member(platform).memberships.first().organisation
    memberships = Membership.objects.bulk_create(
        Membership(user=user, organisation=organisation) for user in users
    )
    role = Role.objects.get(code="gestionnaire")
    Access.objects.bulk_create(
        Access(membership=m, platform=platform, role=role) for m in memberships
    )
    at = "2026-01-02T10:00:00+00:00"
    body = [{"sub": str(user.pk), "at": at} for user in users]

    with django_assert_max_num_queries(6):
        response = post(client, body, bearer)

    assert response.status_code == 200
    assert response.json()["recorded"] == 10_000
    assert (
        User.objects.filter(last_activity_at=datetime(2026, 1, 2, 10, tzinfo=UTC)).count()
        == 10_000
    )
