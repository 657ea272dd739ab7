"""Which SETs the account centre writes, to whom, and what they say.

Specs: RFC 8417 (SET), RFC 9493 §3.2.3 (``iss_sub``), OpenID Shared Signals
Framework 1.0 ("SSF Event Subject", "Distinguishing SETs from other Kinds of
JWTs", "Stream Status"), OpenID RISC Profile 1.0 §2 (event types), OpenID CAEP
1.0 §3 (session-revoked, token-claims-change).
"""

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccountState, DeactivationReason, SuspensionReason
from accounts.services import membership_remove
from lifecycle.erasure import account_delete
from lifecycle.services import (
    account_deactivate,
    account_reactivate,
    account_suspend,
    account_suspension_lift,
)
from platforms import app_settings as platform_settings
from platforms.models import Role
from platforms.services import access_grant, access_revoke
from platforms.sessions import revoke_all
from platforms.ssf import events, services
from platforms.ssf.models import Stream, StreamEvent
from privacy.services import lost_credentials_report

from .factories import grant, register_client, verified_user
from .ssf_support import decode_set, make_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream(platform, oidc_client):
    return make_stream(platform)


@pytest.fixture
def other_stream(other_platform):
    register_client(other_platform, backchannel=False)
    other_platform.refresh_from_db()
    return make_stream(other_platform)


def member(platform):
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    return user


def sets(stream) -> list[dict]:
    return [
        decode_set(
            services.set_encode(event.payload),
            audience=stream.platform.oidc_client_id,
            issuer=platform_settings.issuer(),
        )
        for event in StreamEvent.objects.filter(stream=stream).order_by("id")
    ]


def types(stream) -> list[str]:
    return [e.event_type for e in StreamEvent.objects.filter(stream=stream).order_by("id")]


def test_deactivation_sends_a_signed_account_disabled_set_about_the_platforms_sub(stream):
    """RFC 8417 §2.2-2.3, SSF 1.0 "SSF Event Subject", RFC 9493 §3.2.3, RISC 1.0 §2.3."""
    user = member(stream.platform)

    account_deactivate(user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO)

    [claims] = sets(stream)
    subject = {"format": "iss_sub", "iss": platform_settings.issuer(), "sub": str(user.pk)}
    assert claims["sub_id"] == subject
    event = claims["events"][events.ACCOUNT_DISABLED]
    assert event["subject"] == subject
    assert event["reason_admin"] == {"en": "opco"}
    assert user.email not in json.dumps(claims)


def test_a_platform_where_the_person_never_had_access_hears_nothing(stream, other_stream):
    """The issue: a platform only receives events about people who hold or held an access."""
    user = member(stream.platform)
    member(other_stream.platform)  # someone else, known there

    account_deactivate(user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO)

    assert types(stream) == [events.ACCOUNT_DISABLED]
    assert types(other_stream) == []


def test_a_platform_still_hears_about_someone_whose_access_there_ended(stream):
    user = verified_user()
    access = grant(user=user, platform=stream.platform, role_code="gestionnaire")
    now = timezone.now()
    access_revoke(access=access, revoked_by=None, now=now)
    assert not user.memberships.get().accesses.exists()

    account_deactivate(user=user, actor=None, now=now, reason=DeactivationReason.OPCO)

    assert types(stream) == [events.TOKEN_CLAIMS_CHANGE, events.ACCOUNT_DISABLED]


def test_the_event_is_rolled_back_with_the_change_that_caused_it(stream):
    """Outbox in the same transaction: no change, no event; the push waits for commit."""
    user = member(stream.platform)

    with pytest.raises(RuntimeError), transaction.atomic():
        account_deactivate(
            user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO
        )
        assert StreamEvent.objects.count() == 1
        raise RuntimeError

    assert StreamEvent.objects.count() == 0


def test_the_push_is_queued_only_after_commit(
    stream, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(services, "_queue_push", lambda pks: queued.extend(pks))
    user = member(stream.platform)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account_deactivate(
            user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO
        )
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [stream.pk]


def test_lost_credentials_send_credential_compromise_then_account_disabled(stream):
    """RISC 1.0 §2.7 credential-compromise (credential_type), §2.3 reason "hijacking"."""
    user = member(stream.platform)

    lost_credentials_report(user=user, now=timezone.now())

    compromise, disabled = sets(stream)
    assert compromise["events"][events.CREDENTIAL_COMPROMISE]["credential_type"] == "password"
    body = disabled["events"][events.ACCOUNT_DISABLED]
    assert body["reason"] == "hijacking"
    assert body["reason_admin"] == {"en": "lost_credentials"}


def test_suspension_then_lift_send_account_disabled_then_account_enabled(stream):
    """RISC 1.0 §2.3 account-disabled, §2.4 account-enabled."""
    user = member(stream.platform)
    now = timezone.now()

    account_suspend(user=user, actor=None, now=now, reason=SuspensionReason.CGU_BREACH)
    account_suspension_lift(user=user, actor=None, now=now)

    assert types(stream) == [events.ACCOUNT_DISABLED, events.ACCOUNT_ENABLED]
    assert sets(stream)[0]["events"][events.ACCOUNT_DISABLED]["reason_admin"] == {
        "en": "cgu_breach"
    }


def test_reactivation_sends_account_enabled(stream):
    user = member(stream.platform)
    now = timezone.now()
    account_deactivate(user=user, actor=None, now=now, reason=DeactivationReason.OPCO)

    account_reactivate(user=user, actor=None, now=now)
    account_reactivate(user=user, actor=None, now=now)  # already active: nothing more

    assert types(stream) == [events.ACCOUNT_DISABLED, events.ACCOUNT_ENABLED]


def test_a_warned_account_made_active_was_never_disabled_so_nothing_is_sent(stream):
    user = member(stream.platform)
    type(user).objects.filter(pk=user.pk).update(
        state=AccountState.WARNED, state_changed_at=timezone.now()
    )

    account_reactivate(user=user, actor=None, now=timezone.now())

    assert types(stream) == []


def test_deletion_sends_account_purged_naming_only_the_sub(stream):
    """RISC 1.0 §2.2 account-purged; nothing but the sub is kept about the person."""
    user = member(stream.platform)
    now = timezone.now()
    account_deactivate(user=user, actor=None, now=now, reason=DeactivationReason.OPCO)
    email, pk = user.email, user.pk

    account_delete(user=user, now=now)

    purged = StreamEvent.objects.get(event_type=events.ACCOUNT_PURGED)
    assert purged.purged and purged.subject == str(pk)
    assert sets(stream)[-1]["sub_id"]["sub"] == str(pk)
    for row in StreamEvent.objects.all():
        assert email not in json.dumps(row.payload) and email not in row.subject
    assert types(stream) == [events.ACCOUNT_DISABLED, events.ACCOUNT_PURGED]


def test_sign_out_everywhere_sends_session_revoked(stream):
    """CAEP 1.0 §3.1 session-revoked (event_timestamp, initiating_entity)."""
    user = member(stream.platform)

    revoke_all(user=user, now=timezone.now())

    [claims] = sets(stream)
    body = claims["events"][events.SESSION_REVOKED]
    assert body["event_timestamp"] == claims["iat"]
    assert body["initiating_entity"] == "system"


def test_role_granted_or_revoked_sends_token_claims_change_to_that_platform_only(
    stream, other_stream
):
    """CAEP 1.0 §3.3 token-claims-change: ``claims`` holds the new habilitations."""
    user = member(stream.platform)
    grant(user=user, platform=other_stream.platform, role_code="adherent")
    membership = user.memberships.first()
    now = timezone.now()

    access = access_grant(
        membership=membership,
        platform=stream.platform,
        role=Role.objects.get(code="administrateur"),
        granted_by=None,
        now=now,
    )
    access_revoke(access=access, revoked_by=None, now=now)

    granted, revoked = sets(stream)
    roles = granted["events"][events.TOKEN_CLAIMS_CHANGE]["claims"]["habilitations"][0]["roles"]
    assert roles == ["administrateur", "gestionnaire"]
    after = revoked["events"][events.TOKEN_CLAIMS_CHANGE]["claims"]["habilitations"]
    assert after[0]["roles"] == ["gestionnaire"]
    assert types(other_stream) == []


def test_leaving_an_organisation_sends_token_claims_change_where_its_accesses_were(
    stream, other_stream
):
    """The accesses go with the membership (by cascade): each platform they were on
    hears the habilitations left there, as for one access revoked; a platform where
    the person's accesses come from another organisation hears nothing."""
    user = member(stream.platform)  # organisation A: gestionnaire on the first platform
    grant(user=user, platform=other_stream.platform, role_code="adherent")  # organisation B
    leaving = user.memberships.get(accesses__platform=stream.platform)

    membership_remove(membership=leaving, actor=None, now=timezone.now())

    (changed,) = sets(stream)
    assert changed["events"][events.TOKEN_CLAIMS_CHANGE]["claims"]["habilitations"] == []
    assert types(other_stream) == []
    assert user.memberships.count() == 1


def test_a_disabled_stream_gets_nothing_and_a_paused_one_keeps_its_events(stream, other_stream):
    """SSF 1.0 "Stream Status": paused holds events, disabled drops them."""
    Stream.objects.filter(pk=stream.pk).update(status=Stream.Status.DISABLED)
    Stream.objects.filter(pk=other_stream.pk).update(status=Stream.Status.PAUSED)
    user = member(stream.platform)
    grant(user=user, platform=other_stream.platform, role_code="adherent")

    account_deactivate(user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO)

    assert types(stream) == []
    assert types(other_stream) == [events.ACCOUNT_DISABLED]


def test_a_stream_gets_only_the_event_types_it_requested(stream):
    """SSF 1.0 "Stream Configuration": events_delivered ⊆ events_requested."""
    Stream.objects.filter(pk=stream.pk).update(events_requested=[events.ACCOUNT_PURGED])
    user = member(stream.platform)

    account_deactivate(user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO)

    assert types(stream) == []


def test_enqueue_runs_the_same_number_of_queries_for_one_or_many_users(stream):
    few = [member(stream.platform).pk]
    many = [member(stream.platform).pk for _ in range(25)]
    now = timezone.now()

    with CaptureQueriesContext(connection) as one:
        services.ssf_events_enqueue(event_type=events.ACCOUNT_DISABLED, user_ids=few, now=now)
    with CaptureQueriesContext(connection) as lots:
        written = services.ssf_events_enqueue(
            event_type=events.ACCOUNT_DISABLED, user_ids=many, now=now
        )

    assert written == 25
    assert len(lots.captured_queries) == len(one.captured_queries)
