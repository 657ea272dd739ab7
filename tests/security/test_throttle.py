"""Per-account sign-in throttling (CNIL 2022-100 case 2): delay, 24-hour cap, ways back in."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client as client_class
from django.urls import reverse
from django.utils import timezone

from accounts import throttle

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
WRONG = "not the right password at all"


@pytest.fixture(autouse=True)
def _only_per_ip_limits(settings):
    """Isolate the per-account rules from the per-address count (every test client
    signs in from 127.0.0.1); the per-address rule has its own tests below."""
    settings.SECURITY_THROTTLE_ADDRESS_MAX_FAILURES = 1000


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def refused_by_throttle(response) -> bool:
    return response.status_code == 200 and "Trop de tentatives de connexion" in response.text


def fail_times(client, email, count, traveller, *, spacing=timedelta(hours=0)):
    for _ in range(count):
        response = sign_in(client, email, WRONG)
        assert response.status_code == 200
        assert not refused_by_throttle(response)
        traveller.shift(spacing)


def spray(client, count, traveller, *, every):
    """``count`` wrong passwords on as many unknown logins from one address, none refused."""
    for n in range(count):
        response = sign_in(client, f"inconnu{n}@example.fr", WRONG)
        assert not refused_by_throttle(response), n
        traveller.shift(every)


def traveller_now():
    from django.utils import timezone

    return timezone.now()


def fail_25_times(client, email, traveller):
    """25 failures, each once the delay then in force has passed (about 15 h in all)."""
    for streak in range(1, 26):
        response = sign_in(client, email, WRONG)
        assert not refused_by_throttle(response), streak
        traveller.shift(timedelta(seconds=throttle.delay_for(streak)))


def test_five_failures_cost_no_delay(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(client, member.email, 4, traveller)
        response = sign_in(client, member.email, WRONG)
        assert not refused_by_throttle(response)
        # The sixth attempt, at once, is the first one to be delayed.
        response = sign_in(client, member.email, PASSWORD)
    assert refused_by_throttle(response)
    assert not is_signed_in(client)


def test_right_password_is_refused_during_the_delay_and_accepted_after(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(client, member.email, 5, traveller)
        traveller.shift(timedelta(seconds=59))
        assert refused_by_throttle(sign_in(client, member.email, PASSWORD))
        traveller.shift(timedelta(seconds=1))
        response = sign_in(client, member.email, PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


def test_delay_doubles_with_each_further_failure(client, member):
    """60 s after the 5th failure, 120 s after the 6th, 240 s after the 7th."""
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(client, member.email, 5, traveller)
        for expected in (60, 120, 240):
            traveller.shift(timedelta(seconds=expected - 1))
            assert refused_by_throttle(sign_in(client, member.email, WRONG))
            traveller.shift(timedelta(seconds=1))
            response = sign_in(client, member.email, WRONG)
            assert not refused_by_throttle(response), expected


def test_refused_attempts_do_not_lengthen_the_delay(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(client, member.email, 5, traveller)
        for _ in range(10):
            assert refused_by_throttle(sign_in(client, member.email, WRONG))
        traveller.shift(timedelta(seconds=60))
        assert sign_in(client, member.email, PASSWORD).status_code == 302


def test_twenty_sixth_attempt_in_24_hours_is_refused_even_with_the_right_password(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        fail_25_times(client, member.email, traveller)
        assert traveller_now() - START < timedelta(hours=24)
        response = sign_in(client, member.email, PASSWORD)
        assert refused_by_throttle(response)
        assert "au cours des dernières 24 heures" in response.text
        assert not is_signed_in(client)


def test_cap_lifts_when_the_oldest_failure_is_24_hours_old(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        fail_25_times(client, member.email, traveller)
        assert refused_by_throttle(sign_in(client, member.email, PASSWORD))
        traveller.move_to(START + timedelta(hours=24, seconds=1))
        response = sign_in(client, member.email, PASSWORD)
    assert response.status_code == 302


def test_cap_still_holds_one_second_before_the_24_hour_window_ends(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        fail_25_times(client, member.email, traveller)
        traveller.move_to(START + timedelta(hours=24) - timedelta(seconds=1))
        response = sign_in(client, member.email, PASSWORD)
        assert refused_by_throttle(response)
        assert "au cours des dernières 24 heures" in response.text  # the cap, not a delay
        assert not is_signed_in(client)
        # One second after the window, the same account may try again.
        traveller.move_to(START + timedelta(hours=24, seconds=1))
        response = sign_in(client, member.email, PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


def lock_out(client, email):
    with time_machine.travel(START, tick=False) as traveller:
        fail_25_times(client, email, traveller)
        assert refused_by_throttle(sign_in(client, email, PASSWORD))


def test_locked_out_victim_still_signs_in_by_code(
    client, member, django_capture_on_commit_callbacks
):
    lock_out(client, member.email)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_request_login_code"), {"email": member.email})
    assert response.status_code == 302
    code = re.search(
        r"^\s*([A-Z0-9][A-Z0-9-]{4,}[A-Z0-9])\s*$", mail.outbox[-1].body, re.MULTILINE
    ).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert is_signed_in(client)


def test_locked_out_victim_resets_password_and_signs_in_again(
    client, member, django_capture_on_commit_callbacks
):
    lock_out(client, member.email)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"https?://[^\s]+/password/reset/key/[^\s]+", mail.outbox[-1].body).group(0)
    response = client.get(link)
    assert response.status_code == 302
    new_password = "un tout nouveau mot de passe 2027"
    response = client.post(
        response["Location"], {"password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302
    client.logout()
    response = sign_in(client, member.email, new_password)
    assert response.status_code == 302
    assert is_signed_in(client)


def test_unknown_email_is_throttled_exactly_like_a_known_one(client, member):
    """Same refusal after the same failures: the throttle does not reveal accounts."""
    answers = {}
    for email in (member.email, "personne.inconnue@example.fr"):
        with time_machine.travel(START, tick=False) as traveller:
            fail_times(client, email, 5, traveller)
            answers[email] = refused_by_throttle(sign_in(client, email, WRONG))
    assert answers == {member.email: True, "personne.inconnue@example.fr": True}


def test_concurrent_attempt_on_the_same_login_is_refused(client, member):
    """The per-login lock serialises attempts: a burst cannot outrun the counter."""
    assert throttle.begin(member.email, now=timezone.now()).allowed  # holds the lock
    try:
        response = sign_in(client, member.email, PASSWORD)
    finally:
        throttle.release(member.email)
    assert response.status_code == 200
    assert "Une autre tentative de connexion est en cours" in response.text
    assert not is_signed_in(client)


def test_successful_sign_in_ends_the_delay_streak(client, member):
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(client, member.email, 5, traveller)
        traveller.shift(timedelta(seconds=60))
        assert sign_in(client, member.email, PASSWORD).status_code == 302
        client.logout()
        # One new mistake is again free.
        sign_in(client, member.email, WRONG)
        assert sign_in(client, member.email, PASSWORD).status_code == 302


def test_successful_sign_in_does_not_reset_the_24_hour_failure_count(client, member, settings):
    """CNIL 2022-100 case 2: at most 25 failures in 24 h, successes in between or not
    (else a thief with a stolen session who signs in once in a while would get a fresh
    25 guesses each time). Delays are off to isolate the 24-hour cap."""
    settings.SECURITY_THROTTLE_BASE_DELAY = 0
    with time_machine.travel(START, tick=False) as traveller:
        fail_times(client, member.email, 24, traveller, spacing=timedelta(minutes=1))
        assert sign_in(client, member.email, PASSWORD).status_code == 302
        client.logout()
        fail_times(client, member.email, 1, traveller)  # the 25th failure in 24 h
        traveller.shift(timedelta(hours=1))
        response = sign_in(client, member.email, PASSWORD)
        assert refused_by_throttle(response)
        assert not is_signed_in(client)


# --- per client address: 10 failed passwords a minute, whatever the logins ------------


def test_the_eleventh_failure_in_a_minute_from_one_address_is_refused_for_any_login(
    client, member, settings
):
    """Password spraying: ten wrong passwords on ten logins from one address, then even
    a right password from that address waits until the oldest failure is a minute old;
    the account itself has no failure and another address is not held."""
    settings.SECURITY_THROTTLE_ADDRESS_MAX_FAILURES = 10
    with time_machine.travel(START, tick=False) as traveller:
        spray(client, 10, traveller, every=timedelta(seconds=5))
        traveller.move_to(START + timedelta(seconds=59))
        response = sign_in(client, member.email, PASSWORD)
        assert refused_by_throttle(response)
        assert "depuis votre adresse" in response.text
        assert not is_signed_in(client)
        assert throttle._load(member.email, now=traveller_now())["failures"] == []

        elsewhere = client_class(REMOTE_ADDR="203.0.113.7")
        assert sign_in(elsewhere, member.email, PASSWORD).status_code == 302

        traveller.move_to(START + timedelta(seconds=60))
        assert sign_in(client, member.email, PASSWORD).status_code == 302


def test_nine_failures_from_one_address_within_a_minute_still_let_the_tenth_attempt_in(
    client, member, settings
):
    settings.SECURITY_THROTTLE_ADDRESS_MAX_FAILURES = 10
    with time_machine.travel(START, tick=False):
        for n in range(9):
            sign_in(client, f"inconnu{n}@example.fr", WRONG)
        assert sign_in(client, member.email, PASSWORD).status_code == 302


# --- per client address: 30 password attempts a minute, right or wrong ----------------


def test_the_31st_attempt_in_a_minute_from_one_address_is_refused_even_with_the_right_password(
    client, member, settings
):
    """Every attempt counts (failures are held apart here); a right password from that
    address is refused without being checked, another address is not held."""
    settings.SECURITY_THROTTLE_ADDRESS_MAX_ATTEMPTS = 30
    with time_machine.travel(START, tick=False) as traveller:
        spray(client, 30, traveller, every=timedelta(seconds=1))
        response = sign_in(client, member.email, PASSWORD)
        assert refused_by_throttle(response)
        assert "Trop de tentatives de connexion depuis votre adresse" in response.text
        assert not is_signed_in(client)

        elsewhere = client_class(REMOTE_ADDR="203.0.113.7")
        assert sign_in(elsewhere, member.email, PASSWORD).status_code == 302


def test_last_minutes_attempts_weigh_by_the_share_of_it_still_in_the_window(
    client, member, settings
):
    """A burst of 31 in the first second of a minute: one second into the next minute
    59/60 of it still counts (30.5 + 1 > 30, refused); 31 seconds in, 29/60 of it
    (15 + 1, accepted)."""
    settings.SECURITY_THROTTLE_ADDRESS_MAX_ATTEMPTS = 30
    with time_machine.travel(START, tick=False) as traveller:
        for n in range(31):
            sign_in(client, f"inconnu{n}@example.fr", WRONG)
        traveller.move_to(START + timedelta(seconds=61))
        assert refused_by_throttle(sign_in(client, member.email, PASSWORD))
        traveller.move_to(START + timedelta(seconds=91))
        assert sign_in(client, member.email, PASSWORD).status_code == 302
