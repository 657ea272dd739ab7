"""Second security round, account findings (issue 11, items 5, 7, 12)."""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from tests.accounts.factories import UserFactory

from .conftest import PASSWORD, verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


# --- 7. Wrong old passwords on the password-change form (ASVS 6.3.1) ----------------


def change_password(client, old):
    return client.post(
        reverse("account_change_password"),
        {
            "oldpassword": old,
            "password1": "un tout nouveau secret 2027",
            "password2": "un tout nouveau secret 2027",
        },
    )


def test_wrong_old_passwords_count_in_the_account_throttle(client):
    user = verified(UserFactory(email="vole@example.fr", password=PASSWORD))
    client.force_login(user)
    change_password(client, "pas le bon mot de passe")
    state = throttle._load("vole@example.fr", now=timezone.now())
    assert len(state["failures"]) == 1
    assert throttle.delay_for(state["streak"]) == 0  # one failure is free


def test_the_26th_old_password_guess_in_24_hours_is_refused_even_when_right(client, settings):
    settings.SECURITY_THROTTLE_BASE_DELAY = 0  # no delay streak: only the 24-hour cap
    user = verified(UserFactory(email="vole@example.fr", password=PASSWORD))
    client.force_login(user)
    start = timezone.now()
    for minute in range(25):
        with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
            change_password(client, f"mauvais {minute}")
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        response = change_password(client, PASSWORD)
    assert response.status_code == 200
    assert "Trop de tentatives" in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_right_old_password_changes_it(client):
    user = verified(UserFactory(email="moi@example.fr", password=PASSWORD))
    client.force_login(user)
    response = change_password(client, PASSWORD)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("un tout nouveau secret 2027")


# --- 12. Another account's email as a secondary address ---------------------------


def add_email(client, email):
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def test_another_accounts_email_cannot_be_added_and_its_owner_gets_no_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    owner = verified(UserFactory(email="proprietaire@example.fr"))
    intruder = verified(UserFactory(email="intrus@example.fr"))
    client.force_login(intruder)
    with django_capture_on_commit_callbacks(execute=True):
        taken = add_email(client, "Proprietaire@Example.fr")
    taken_messages = [str(m) for m in get_messages(taken.wsgi_request)]
    client.get(taken["Location"])  # shows (and consumes) the message
    assert not EmailAddress.objects.filter(user=intruder, email__iexact=owner.email).exists()
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        new = add_email(client, "nouvelle@example.fr")
    new_messages = [str(m) for m in get_messages(new.wsgi_request)]
    # Same neutral answer as for an address nobody has.
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert [m.replace("proprietaire", "nouvelle") for m in taken_messages] == new_messages
    assert [m.to for m in mailoutbox] == [["nouvelle@example.fr"]]


# --- 5. Sign-up does the same work whether the email is taken or not (ASVS 5.0 §6.3.8) ---


@pytest.fixture
def hashes(monkeypatch):
    """Counts passwords hashed with the configured hasher."""
    from django.contrib.auth.hashers import get_hasher

    hasher_class = type(get_hasher())
    calls = []
    real_encode = hasher_class.encode

    def counting(self, password, salt, *args, **kwargs):
        calls.append(1)
        return real_encode(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counting)
    return calls


def test_sign_up_hashes_a_password_and_defers_the_mail_on_both_paths(
    client, hashes, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.accounts.test_signup import signup_data

    taken = verified(UserFactory(email="prise@example.fr"))
    work = {}
    for label, email in [("taken", taken.email), ("new", "libre@example.fr")]:
        hashes.clear()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(reverse("account_signup"), signup_data(email=email))
        # No mail leaves inside the request: it is queued for after the commit.
        work[label] = (len(hashes), mailoutbox == [], len(callbacks) >= 1)
        client.logout()
    assert work["taken"] == work["new"] == (1, True, True)
