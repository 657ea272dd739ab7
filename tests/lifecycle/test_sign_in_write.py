"""What a completed sign-in writes: last login and activity, one UPDATE for an active account.

``lifecycle.signals.record_sign_in`` receives Django's ``user_logged_in`` (after every
allauth stage) and replaces Django's own ``update_last_login``; the statement is
written as SQL in ``lifecycle.services`` (``_ACTIVE_MOVE_SQL``).
"""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from lifecycle import services

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def user():
    user = UserFactory(last_activity_at=paris(2026, 3, 1, 9, 0), date_joined=paris(2025, 1, 1))
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def test_a_sign_in_writes_last_login_and_activity_in_one_update(client, user, time_machine):
    # 29 March 2026 at 03:30 Paris: the first hour of summer time.
    at = paris(2026, 3, 29, 3, 30)
    time_machine.move_to(at, tick=False)

    with CaptureQueriesContext(connection) as queries:
        assert sign_in(client, user).status_code == 302

    user.refresh_from_db()
    assert user.last_login == at
    assert user.last_activity_at == at
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "accounts_user"')]
    assert len(updates) == 1


def test_a_password_reset_link_made_before_a_sign_in_no_longer_works_after_it(
    client, user, time_machine
):
    """Django's reset token includes ``last_login``: the sign-in must write it."""
    time_machine.move_to(paris(2026, 10, 25, 1, 30), tick=False)
    token = default_token_generator.make_token(user)
    assert default_token_generator.check_token(user, token)

    time_machine.move_to(paris(2026, 10, 25, 2, 30), tick=False)  # after the clocks went back
    assert sign_in(client, user).status_code == 302

    user.refresh_from_db()
    assert not default_token_generator.check_token(user, token)


def test_a_sign_in_never_moves_the_activity_back(client, user, time_machine):
    later = paris(2026, 6, 2, 10, 0)
    User.objects.filter(pk=user.pk).update(last_activity_at=later)  # a platform reported it
    at = paris(2026, 6, 2, 9, 0)
    time_machine.move_to(at, tick=False)

    assert sign_in(client, user).status_code == 302

    user.refresh_from_db()
    assert user.last_activity_at == later
    assert user.last_login == at


def test_the_activity_update_leaves_an_account_that_is_not_active_to_the_locked_path(user):
    User.objects.filter(pk=user.pk).update(state="warned", state_changed_at=paris(2026, 5, 1))
    user.refresh_from_db()

    moved = services._active_activity_move_forward(
        user=user, at=paris(2026, 5, 2), last_login=None
    )

    assert moved is False
    user.refresh_from_db()
    assert user.last_activity_at == paris(2026, 3, 1, 9, 0)


def test_the_written_statement_names_the_model_table_and_columns():
    meta = User._meta
    named = {
        meta.db_table,
        meta.pk.column,
        *(meta.get_field(name).column for name in ("last_activity_at", "last_login", "state")),
    }
    assert all(f'"{name}"' in services._ACTIVE_MOVE_SQL[True] for name in named)
    assert all(f'"{name}"' in services._ACTIVE_MOVE_SQL[False] for name in named - {"last_login"})
