"""Sign-up records the CGU version the person was shown, never a later one."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.signals import user_signed_up
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from legal.models import CGUAcceptance
from tests.accounts.factories import UserFactory
from tests.accounts.test_signup import signup_data

from .factories import CGUVersionFactory, publish

pytestmark = pytest.mark.django_db

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
EMAIL = "claire.durand@transports-durand.fr"
CHANGED = (
    "Les conditions générales d'utilisation ont changé pendant votre inscription : "
    "lisez la nouvelle version et cochez à nouveau la case."
)


def shown_version(response) -> str:
    """The value of the hidden cgu_version field of the sign-up page."""
    match = re.search(r'<input type="hidden" name="cgu_version" value="(\d*)">', response.text)
    assert match, "the sign-up page carries the version it shows"
    return match.group(1)


def cgu_box(response) -> str:
    return response.text.split('name="accept_cgu"')[0].rsplit("<input", 1)[1]


@pytest.fixture
def versions():
    """v1 in force at T0; v2 published, in force one hour later."""
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        v1 = publish(now=T0 - timedelta(days=1), label="Mars 2027")
        v2 = publish(
            now=T0 - timedelta(days=1), effective_at=T0 + timedelta(hours=1), label="Avril 2027"
        )
    return v1, v2


def test_the_signup_page_names_the_version_it_links(client, versions):
    v1, _v2 = versions
    with time_machine.travel(T0, tick=False):
        response = client.get(reverse("account_signup"))
    assert shown_version(response) == str(v1.pk)
    assert reverse("legal:cgu_version", args=[v1.pk]) in response.text


def test_signing_up_records_the_version_shown_on_the_form(client, versions):
    v1, _v2 = versions
    with time_machine.travel(T0, tick=False):
        shown = shown_version(client.get(reverse("account_signup")))
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        client.post(reverse("account_signup"), signup_data(cgu_version=shown))
    acceptance = CGUAcceptance.objects.get(user__email=EMAIL)
    assert acceptance.version == v1
    assert acceptance.version_hash == v1.text_hash


def test_a_version_coming_into_force_before_submit_refuses_the_signup(client, versions):
    with time_machine.travel(T0, tick=False):
        shown = shown_version(client.get(reverse("account_signup")))
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        response = client.post(reverse("account_signup"), signup_data(cgu_version=shown))
    assert response.status_code == 200
    assert CHANGED in html.unescape(response.text)
    assert not User.objects.filter(email=EMAIL).exists()
    assert not CGUAcceptance.objects.exists()


def test_the_refused_page_links_the_new_version_with_the_box_unticked(client, versions):
    v1, v2 = versions
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        response = client.post(reverse("account_signup"), signup_data(cgu_version=str(v1.pk)))
    assert reverse("legal:cgu_version", args=[v2.pk]) in response.text
    assert "Avril 2027" in response.text
    assert shown_version(response) == str(v2.pk)
    assert "checked" not in cgu_box(response)
    # The other answers are kept: the person only reads and ticks again.
    assert 'value="Transports Durand"' in response.text


def test_ticking_again_after_the_change_records_the_new_version(client, versions):
    _v1, v2 = versions
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        refused = client.post(reverse("account_signup"), signup_data(cgu_version="0"))
        client.post(reverse("account_signup"), signup_data(cgu_version=shown_version(refused)))
    assert CGUAcceptance.objects.get(user__email=EMAIL).version == v2


@pytest.mark.parametrize("value", [None, "", "abc", "\uff11", "12abc", "-1"])
def test_a_missing_or_malformed_version_is_refused_when_one_is_in_force(client, versions, value):
    data = signup_data()
    if value is not None:
        data["cgu_version"] = value
    with time_machine.travel(T0, tick=False):
        response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert CHANGED in html.unescape(response.text)
    assert not User.objects.filter(email=EMAIL).exists()


def test_a_draft_or_not_yet_effective_version_is_refused(client, versions):
    _v1, v2 = versions
    draft = CGUVersionFactory()
    with time_machine.travel(T0, tick=False):
        for pk in (draft.pk, v2.pk):
            response = client.post(reverse("account_signup"), signup_data(cgu_version=str(pk)))
            assert CHANGED in html.unescape(response.text)
    assert not User.objects.filter(email=EMAIL).exists()


def test_with_no_version_published_signup_works_and_records_nothing(client):
    response = client.get(reverse("account_signup"))
    assert shown_version(response) == ""
    client.post(reverse("account_signup"), signup_data(cgu_version=""))
    assert User.objects.filter(email=EMAIL).exists()
    assert not CGUAcceptance.objects.exists()


def test_the_receiver_records_the_posted_version_even_if_another_is_now_in_force(versions):
    v1, _v2 = versions
    user = UserFactory()
    request = RequestFactory().post("/accounts/signup/", {"cgu_version": str(v1.pk)})
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        user_signed_up.send(sender=User, request=request, user=user)
    assert CGUAcceptance.objects.get(user=user).version == v1
