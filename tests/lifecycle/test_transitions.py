"""Transitions: one transaction, one journal row, idempotent, is_active follows state."""

import pytest
from allauth.idp.oidc.models import Token
from allauth.usersessions.models import UserSession
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction

from accounts.models import AccountState, User
from lifecycle import services
from lifecycle.models import DeactivationReason, JournalEntry, Notice, SuspensionReason

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = paris(2027, 3, 10, 14, 5)


@pytest.fixture
def agent():
    return UserFactory(is_staff=True)


def _session_for(user):
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    UserSession.objects.create(user=user, ip="127.0.0.1", session_key=store.session_key)
    return store.session_key


def test_deactivation_makes_the_account_inactive_with_its_reason(agent):
    user = UserFactory()
    services.account_deactivate(user=user, actor=agent, now=NOW, reason=DeactivationReason.OPCO)
    user.refresh_from_db()
    assert user.state == AccountState.DEACTIVATED
    assert not user.is_active
    assert user.deactivation_reason == DeactivationReason.OPCO
    assert user.state_changed_at == NOW


def test_deactivation_revokes_sessions_and_tokens(agent):
    user = UserFactory()
    key = _session_for(user)
    Token.objects.create(user=user, type=Token.Type.ACCESS_TOKEN, hash="h1")
    services.account_deactivate(user=user, actor=agent, now=NOW, reason=DeactivationReason.OPCO)
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=user).exists()
    assert not Token.objects.filter(user=user).exists()


def test_deactivation_writes_its_notice_in_the_same_transaction(agent):
    user = UserFactory()
    services.account_deactivate(user=user, actor=agent, now=NOW, reason=DeactivationReason.OPCO)
    notice = Notice.objects.get(user=user)
    assert notice.kind == Notice.Kind.DEACTIVATION
    assert notice.status == Notice.Status.PENDING
    assert notice.step_at == NOW


def test_deactivation_rolled_back_leaves_no_notice_and_no_journal(agent):
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.account_deactivate(
            user=user, actor=agent, now=NOW, reason=DeactivationReason.OPCO
        )
        raise RuntimeError
    assert not Notice.objects.exists()
    assert not JournalEntry.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.is_active


def test_deactivating_twice_does_nothing_the_second_time(agent):
    user = UserFactory()
    services.account_deactivate(user=user, actor=agent, now=NOW, reason=DeactivationReason.OPCO)
    services.account_deactivate(
        user=user, actor=agent, now=paris(2027, 3, 11), reason=DeactivationReason.OPCO
    )
    user.refresh_from_db()
    assert user.state_changed_at == NOW
    assert Notice.objects.filter(user=user).count() == 1
    assert JournalEntry.objects.filter(user=user, action="deactivated").count() == 1


def test_an_administrator_taking_over_an_inactivity_deactivation_keeps_the_clock(agent):
    user = UserFactory()
    services.account_deactivate(
        user=user, actor=None, now=NOW, reason=DeactivationReason.INACTIVITY
    )
    services.account_deactivate(
        user=user, actor=agent, now=paris(2027, 3, 12), reason=DeactivationReason.OPCO
    )
    user.refresh_from_db()
    assert user.deactivation_reason == DeactivationReason.OPCO
    assert user.state_changed_at == NOW
    assert Notice.objects.filter(user=user).count() == 1


def test_reactivation_makes_the_account_active_and_restarts_the_inactivity_clock(agent):
    user = UserFactory()
    services.account_deactivate(user=user, actor=agent, now=NOW, reason=DeactivationReason.OPCO)
    later = paris(2027, 3, 25, 23, 59)
    services.account_reactivate(user=user, actor=agent, now=later)
    user.refresh_from_db()
    assert user.state == AccountState.ACTIVE
    assert user.is_active
    assert user.deactivation_reason == ""
    assert user.reactivated_at == later
    assert user.notice_sent_at is None


def test_reactivating_an_active_account_does_nothing(agent):
    user = UserFactory()
    services.account_reactivate(user=user, actor=agent, now=NOW)
    assert not JournalEntry.objects.filter(user=user).exists()


def test_suspension_stops_sign_in_and_has_no_deletion_clock(agent):
    user = UserFactory()
    _session_for(user)
    services.account_suspend(
        user=user, actor=agent, now=NOW, reason=SuspensionReason.CGU_BREACH, note="signalé"
    )
    user.refresh_from_db()
    assert user.state == AccountState.SUSPENDED
    assert not user.is_active
    assert not UserSession.objects.filter(user=user).exists()
    assert not Notice.objects.filter(user=user).exists()
    entry = JournalEntry.objects.get(user=user, action="suspended")
    assert entry.data == {"note": "signalé"}
    assert entry.actor_kind == "opco"


def test_a_suspended_account_cannot_be_reactivated_only_lifted(agent):
    user = UserFactory()
    services.account_suspend(user=user, actor=agent, now=NOW, reason=SuspensionReason.OTHER)
    with pytest.raises(services.TransitionNotAllowed):
        services.account_reactivate(user=user, actor=agent, now=NOW)
    with pytest.raises(services.TransitionNotAllowed):
        services.account_deactivate(
            user=user, actor=agent, now=NOW, reason=DeactivationReason.ORG_ADMIN
        )
    services.account_suspension_lift(user=user, actor=agent, now=paris(2027, 4, 1))
    user.refresh_from_db()
    assert user.state == AccountState.ACTIVE
    assert user.reactivated_at == paris(2027, 4, 1)


def test_suspending_a_deactivated_account_stops_its_deletion_clock(agent):
    user = UserFactory()
    services.account_deactivate(user=user, actor=agent, now=NOW, reason=DeactivationReason.OPCO)
    services.account_suspend(
        user=user, actor=agent, now=NOW, reason=SuspensionReason.LOST_CREDENTIALS
    )
    user.refresh_from_db()
    assert user.deactivation_reason == ""
    assert user.notice_sent_at is None


def test_every_transition_is_journaled_with_who_what_when_why(agent):
    user = UserFactory()
    services.account_deactivate(user=user, actor=agent, now=NOW, reason=DeactivationReason.OPCO)
    services.account_reactivate(user=user, actor=agent, now=paris(2027, 3, 11))
    entries = list(JournalEntry.objects.filter(user=user).order_by("at"))
    assert [(e.action, e.actor, e.actor_kind, e.reason) for e in entries] == [
        ("deactivated", agent, "opco", "opco"),
        ("reactivated", agent, "opco", ""),
    ]


def test_organisation_admin_is_journaled_as_such():
    admin = UserFactory()
    user = UserFactory()
    services.account_deactivate(
        user=user, actor=admin, now=NOW, reason=DeactivationReason.ORG_ADMIN
    )
    assert JournalEntry.objects.get(user=user).actor_kind == "org_admin"


def test_activity_only_moves_forward():
    user = UserFactory()
    services.activity_record(user=user, at=paris(2027, 1, 2))
    services.activity_record(user=user, at=paris(2027, 1, 1))
    user.refresh_from_db()
    assert user.last_activity_at == paris(2027, 1, 2)


def _warned_behind_a_stale_copy() -> User:
    """An account warned by the sweep, and a copy read just before (still "active")."""
    user = UserFactory(date_joined=paris(2024, 1, 1), last_activity_at=paris(2024, 1, 2))
    stale = User.objects.get(pk=user.pk)
    assert services.account_warn(user=user, now=NOW)
    assert stale.state == AccountState.ACTIVE
    return stale


@pytest.mark.parametrize("record", ["activity", "sign_in"])
def test_activity_on_an_outdated_active_copy_still_cancels_the_warning(record):
    """The one-UPDATE path for active accounts checks the state in SQL, not in memory."""
    stale = _warned_behind_a_stale_copy()
    at = paris(2027, 3, 11, 9)

    if record == "activity":
        services.activity_record(user=stale, at=at)
    else:
        services.account_sign_in(user=stale, at=at)

    user = User.objects.get(pk=stale.pk)
    assert user.state == AccountState.ACTIVE
    assert user.last_activity_at == at
    assert JournalEntry.objects.filter(user=user, action="warning_cancelled").exists()


def test_a_sign_in_on_an_outdated_active_copy_reactivates_an_inactivity_deactivation():
    stale = _warned_behind_a_stale_copy()
    services.account_deactivate(
        user=User.objects.get(pk=stale.pk),
        actor=None,
        now=NOW,
        reason=DeactivationReason.INACTIVITY,
    )
    at = paris(2027, 3, 11, 9)

    assert services.account_sign_in(user=stale, at=at)

    user = User.objects.get(pk=stale.pk)
    assert user.state == AccountState.ACTIVE
    assert user.reactivated_at == at
    assert JournalEntry.objects.filter(user=user, action="reactivated_by_sign_in").exists()


def test_activity_of_an_active_account_moves_forward_only_in_one_update(
    django_assert_num_queries,
):
    user = UserFactory(last_activity_at=paris(2027, 1, 2))

    with django_assert_num_queries(1):
        services.activity_record(user=user, at=paris(2027, 1, 1))
    with django_assert_num_queries(1):
        services.account_sign_in(user=user, at=paris(2027, 1, 3))

    user.refresh_from_db()
    assert user.last_activity_at == paris(2027, 1, 3)


@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False},
        {"state": AccountState.DEACTIVATED, "is_active": False, "state_changed_at": NOW},
        {"state": AccountState.SUSPENDED, "is_active": False, "state_changed_at": NOW},
        {
            "state": AccountState.ACTIVE,
            "deactivation_reason": DeactivationReason.OPCO,
        },
        {"notice_sent_at": NOW},
        {
            "state": AccountState.DEACTIVATED,
            "is_active": True,
            "deactivation_reason": DeactivationReason.OPCO,
            "state_changed_at": NOW,
        },
        {"state": AccountState.WARNED},
    ],
)
def test_database_refuses_impossible_state_combinations(fields):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(**fields)


def test_account_left_with_no_membership_is_deactivated_for_end_of_authority(agent):
    from accounts.services import membership_remove
    from tests.accounts.factories import MembershipFactory

    membership = MembershipFactory()
    membership_remove(membership=membership, actor=agent, now=NOW)
    user = User.objects.get(pk=membership.user_id)
    assert user.state == AccountState.DEACTIVATED
    assert user.deactivation_reason == DeactivationReason.END_OF_AUTHORITY
    assert Notice.objects.filter(user=user, kind=Notice.Kind.DEACTIVATION).exists()


def test_account_still_member_elsewhere_stays_active_after_a_removal(agent):
    from accounts.services import membership_remove
    from tests.accounts.factories import MembershipFactory

    membership = MembershipFactory()
    MembershipFactory(user=membership.user)
    membership_remove(membership=membership, actor=agent, now=NOW)
    assert User.objects.get(pk=membership.user_id).state == AccountState.ACTIVE


def test_a_platforms_activity_batch_cancels_the_warnings_it_makes_unwarranted():
    from platforms import hooks

    warned = UserFactory(date_joined=paris(2024, 1, 1), last_activity_at=paris(2024, 1, 1))
    services.account_warn(user=warned, now=NOW)
    other = UserFactory()
    hooks.activity_record_bulk(
        items={warned.pk: paris(2027, 3, 12), other.pk: paris(2027, 3, 12)}, platform=None
    )
    warned.refresh_from_db()
    other.refresh_from_db()
    assert warned.state == AccountState.ACTIVE
    assert warned.last_activity_at == paris(2027, 3, 12)
    assert other.last_activity_at == paris(2027, 3, 12)
    assert JournalEntry.objects.filter(user=warned, action="warning_cancelled").exists()


def _warned_accounts(count: int, tag: str) -> list[User]:
    old = paris(2024, 1, 1)
    return User.objects.bulk_create(
        User(
            email=f"warned{n}.{tag}@example.fr",
            first_name="W",
            last_name=str(n),
            date_joined=old,
            last_activity_at=old,
            state=AccountState.WARNED,
            state_changed_at=NOW,
            notice_sent_at=NOW,
        )
        for n in range(count)
    )


def test_an_activity_batch_costs_the_same_queries_whatever_its_warned_accounts(
    django_assert_num_queries,
):
    """Set-based: 1 or 140 warned accounts in a batch of 1,000, the same queries.

    (140: SQLite splits an INSERT past 999 parameters, 142 journal rows; PostgreSQL
    does not, and the count is the same there for any number.)
    """
    from django.db import connection

    from platforms import hooks

    def queries_for(warned_count: int, tag: str) -> int:
        warned = _warned_accounts(warned_count, tag)
        others = UserFactory.create_batch(3) if tag == "a" else []
        idle = User.objects.bulk_create(
            User(email=f"idle{n}.{tag}@example.fr", first_name="I", last_name=str(n))
            for n in range(1_000 - warned_count)
        )
        items = {user.pk: paris(2027, 3, 12) for user in [*warned, *idle, *others]}
        executed = []

        def count(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            hooks.activity_record_bulk(items=items, platform=None)
        assert User.objects.filter(
            pk__in=[u.pk for u in warned], state=AccountState.ACTIVE, is_active=True
        ).count() == len(warned)
        assert JournalEntry.objects.filter(
            user__in=warned, action="warning_cancelled", actor_kind="user"
        ).count() == len(warned)
        return len(executed)

    assert queries_for(1, "a") == queries_for(140, "b")
