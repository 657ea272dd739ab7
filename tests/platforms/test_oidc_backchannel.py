"""Back-channel logout: who is told, when, and what the logout token proves."""

import jwt as pyjwt
import pytest
import requests
from allauth.idp.oidc.models import Token
from django.test import Client as DjangoClient
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from lifecycle.models import DeactivationReason, SuspensionReason
from lifecycle.services import account_deactivate, account_delete, account_suspend
from platforms import tasks
from platforms.models import PlatformLogin
from platforms.sessions import revoke_all
from platforms.sso_services import platform_login_record

from .factories import BACKCHANNEL_URI, grant, register_client, verified_user

pytestmark = pytest.mark.django_db
EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture
def queued(monkeypatch):
    """Calls to ``send_backchannel_logout.delay``, instead of the broker."""
    calls = []
    monkeypatch.setattr(tasks.send_backchannel_logout, "delay", lambda **kw: calls.append(kw))
    return calls


@pytest.fixture
def posted(monkeypatch):
    """Requests the task sends, answered 200 unless told otherwise."""
    sent = []
    answers = []

    class Answer:
        def __init__(self, status):
            self.status_code = status

    def fake_post(url, data, **kwargs):
        sent.append({"url": url, "data": data, **kwargs})
        status = answers.pop(0) if answers else 200
        if isinstance(status, Exception):
            raise status
        return Answer(status)

    monkeypatch.setattr(tasks.requests, "post", fake_post)
    return sent, answers


def signed_in_user(platform):
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    platform_login_record(user=user, platform=platform, now=timezone.now())
    return user


def test_revoke_all_queues_a_logout_after_commit_for_each_platform_signed_into(
    platform, other_platform, oidc_client, queued, django_capture_on_commit_callbacks
):
    register_client(other_platform, backchannel=False)
    user = signed_in_user(platform)
    grant(user=user, platform=other_platform, role_code="adherent")
    platform_login_record(user=user, platform=other_platform, now=timezone.now())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        revoke_all(user=user)
    assert queued == []  # nothing before commit

    for callback in callbacks:
        callback()
    assert [call["platform_id"] for call in queued] == [platform.pk]
    assert queued[0]["sub"] == str(user.pk)
    assert not PlatformLogin.objects.filter(user=user).exists()


def test_platform_holding_only_tokens_is_told_too(
    platform, oidc_client, queued, django_capture_on_commit_callbacks
):
    user = verified_user()
    Token.objects.create(user=user, client=oidc_client, type=Token.Type.REFRESH_TOKEN, hash="x")

    with django_capture_on_commit_callbacks(execute=True):
        revoke_all(user=user)

    assert [call["platform_id"] for call in queued] == [platform.pk]
    assert not Token.objects.filter(user=user).exists()


def test_signing_out_of_the_account_centre_logs_out_of_the_platforms(
    platform, oidc_client, queued, django_capture_on_commit_callbacks
):
    user = signed_in_user(platform)
    browser = DjangoClient()
    browser.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/accounts/logout/")

    assert [call["platform_id"] for call in queued] == [platform.pk]


def test_logout_token_verifies_against_the_jwks_and_follows_the_spec(
    client, platform, oidc_client, posted, settings
):
    settings.IDP_OIDC_ISSUER = "http://testserver"
    sent, _answers = posted

    result = tasks.send_backchannel_logout.apply(
        kwargs={"platform_id": platform.pk, "sub": "42", "jti": "abc123"}
    ).get()

    assert result == "delivered"
    assert sent[0]["url"] == BACKCHANNEL_URI
    logout_token = sent[0]["data"]["logout_token"]
    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").json())
    token = jwt.decode(logout_token, key_set, algorithms=["RS256"])
    assert token.header["typ"] == "logout+jwt"
    discovery = client.get("/.well-known/openid-configuration").json()
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": discovery["issuer"]},
        aud={"essential": True, "value": oidc_client.id},
        iat={"essential": True},
        exp={"essential": True},
        jti={"essential": True},
    ).validate(token.claims)
    assert token.claims["events"] == {EVENT: {}}
    assert token.claims["sub"] == "42"
    assert "nonce" not in token.claims
    assert discovery["backchannel_logout_supported"] is True


def test_failed_delivery_is_retried_then_delivered(platform, oidc_client, posted):
    sent, answers = posted
    answers.extend([requests.ConnectionError("down"), 503])

    result = tasks.send_backchannel_logout.apply(
        kwargs={"platform_id": platform.pk, "sub": "42", "jti": "same"}
    )

    assert len(sent) == 3
    assert result.get() == "delivered"
    jtis = {
        pyjwt.decode(call["data"]["logout_token"], options={"verify_signature": False})["jti"]
        for call in sent
    }
    assert jtis == {"same"}


def test_delivery_gives_up_after_the_configured_retries(platform, oidc_client, posted, settings):
    settings.PLATFORMS_BACKCHANNEL_LOGOUT_MAX_RETRIES = 2
    sent, answers = posted
    answers.extend([500, 500, 500, 500])

    result = tasks.send_backchannel_logout.apply(
        kwargs={"platform_id": platform.pk, "sub": "42", "jti": "x"}
    )

    assert result.get() == "failed"
    assert len(sent) == 3


def test_platform_without_endpoint_is_skipped(platform, posted):
    sent, _answers = posted
    register_client(platform, backchannel=False)

    result = tasks.send_backchannel_logout.apply(
        kwargs={"platform_id": platform.pk, "sub": "42", "jti": "x"}
    )

    assert result.get() == "skipped"
    assert sent == []


def user_signed_into_two_platforms(platform, other_platform):
    """A user with login rows on two platforms that both take back-channel logouts."""
    register_client(other_platform)
    user = signed_in_user(platform)
    grant(user=user, platform=other_platform, role_code="adherent")
    platform_login_record(user=user, platform=other_platform, now=timezone.now())
    return user


def deactivate_user(user):
    account_deactivate(user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO)


def suspend_user(user):
    account_suspend(user=user, actor=None, now=timezone.now(), reason=SuspensionReason.CGU_BREACH)


def delete_user(user):
    """Deactivate (deletion's precondition), then delete in one transaction."""
    deactivate_user(user)
    account_delete(user=user, now=timezone.now())


@pytest.mark.parametrize(
    "transition",
    [deactivate_user, suspend_user],
    ids=["deactivation", "suspension"],
)
def test_lifecycle_transition_logs_the_user_out_of_each_platform_once_after_commit(
    transition, platform, other_platform, oidc_client, queued, django_capture_on_commit_callbacks
):
    user = user_signed_into_two_platforms(platform, other_platform)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transition(user)
    assert queued == []  # nothing leaves before the transaction commits

    for callback in callbacks:
        callback()
    assert sorted(call["platform_id"] for call in queued) == sorted(
        [platform.pk, other_platform.pk]
    )
    assert {call["sub"] for call in queued} == {str(user.pk)}
    assert not PlatformLogin.objects.filter(user=user).exists()


def test_deletion_logs_the_user_out_of_each_platform_once_after_commit(
    platform, other_platform, oidc_client, queued, django_capture_on_commit_callbacks
):
    """Deletion erases PlatformLogin in its own transaction: the logouts still go out."""
    user = user_signed_into_two_platforms(platform, other_platform)
    sub = str(user.pk)
    with django_capture_on_commit_callbacks(execute=False):
        deactivate_user(user)  # the deactivation's own logouts are not under test here
    # Deactivation ended the login rows; put them back, as a code issued in a race
    # with the deactivation would, so deletion is the one that must tell the platforms.
    user.refresh_from_db()
    now = timezone.now()
    for target in (platform, other_platform):
        PlatformLogin.objects.create(user=user, platform=target, first_at=now, last_at=now)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account_delete(user=user, now=timezone.now())
    assert queued == []

    for callback in callbacks:
        callback()
    assert sorted(call["platform_id"] for call in queued) == sorted(
        [platform.pk, other_platform.pk]
    )
    assert {call["sub"] for call in queued} == {sub}
    assert not PlatformLogin.objects.filter(user_id=int(sub)).exists()
