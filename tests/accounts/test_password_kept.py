"""Issue 15 item 12: a form error elsewhere does not empty the typed passwords."""

import re

import pytest
from django.urls import reverse

from .factories import UserFactory
from .test_signup import signup_data

pytestmark = pytest.mark.django_db

NEW = "un mot de passe bien long 2026"


def password_values(html: str) -> dict:
    out = {}
    for tag in re.findall(r'<input type="password"[^>]*>', html):
        value = re.search(r'value="([^"]*)"', tag)
        out[re.search(r'name="(\w+)"', tag).group(1)] = value.group(1) if value else None
    return out


def test_signup_keeps_the_passwords_after_a_siret_error(client):
    response = client.post(reverse("account_signup"), signup_data(siret="1234"))
    assert response.status_code == 200
    assert password_values(response.text) == {"password1": NEW, "password2": NEW}


def test_signup_empties_a_refused_password(client):
    response = client.post(
        reverse("account_signup"), signup_data(password1="court", password2="court")
    )
    assert response.status_code == 200
    assert password_values(response.text) == {"password1": None, "password2": None}


def test_password_change_keeps_the_new_passwords_not_a_wrong_current_one(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pas le bon mot de passe", "password1": NEW, "password2": NEW},
    )
    assert response.status_code == 200
    assert password_values(response.text) == {
        "oldpassword": None,
        "password1": NEW,
        "password2": NEW,
    }


def test_password_set_keeps_the_passwords_after_a_mismatch_elsewhere(client):
    user = UserFactory()
    user.set_unusable_password()
    user.save(update_fields=["password"])
    client.force_login(user)
    response = client.post(reverse("account_set_password"), {"password1": NEW, "password2": "x"})
    assert response.status_code == 200
    # The mismatch is the new password's own error: both boxes are typed again.
    assert password_values(response.text) == {"password1": None, "password2": None}
