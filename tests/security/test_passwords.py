"""Passwords: Argon2id first, upgrade at sign-in, 12..128 characters, no composition rules."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import get_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCTION_HASHERS = importlib.import_module("config.settings.base").PASSWORD_HASHERS


def errors_for(password, user=None) -> list[str]:
    with translation.override("fr"):
        try:
            validate_password(password, user=user)
        except ValidationError as error:
            return error.messages
    return []


def test_argon2id_is_the_first_hasher_outside_tests():
    assert PRODUCTION_HASHERS[0] == "accounts.hashers.Argon2idHasher"


def test_project_hasher_meets_the_owasp_minimum(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    encoded = make_password("un mot de passe assez long")
    # argon2$argon2id$v=19$m=19456,t=2,p=1$...
    assert encoded.startswith("argon2$argon2id$")
    assert "m=19456,t=2,p=1" in encoded


def test_pbkdf2_hash_is_upgraded_to_argon2id_at_sign_in(client, settings, password):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = UserFactory()
    user.password = make_password(password, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post(reverse("account_login"), {"login": user.email, "password": password})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    # The preferred (first) hasher finds nothing to upgrade any more.
    assert get_hasher("default").must_update(user.password) is False


def test_eleven_characters_are_refused_in_french():
    assert errors_for("abcdefghijk") == [
        "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."
    ]


def test_twelve_lower_case_letters_are_enough_no_composition_rule():
    assert errors_for("chevalbleuet") == []


def test_one_hundred_twenty_eight_characters_are_accepted():
    assert errors_for("longue phrase " * 9 + "ab") == []  # 128 characters


def test_one_hundred_twenty_nine_characters_are_refused_in_french():
    assert errors_for("longue phrase " * 9 + "abc") == [
        "Le mot de passe ne doit pas dépasser 128 caractères."
    ]


def test_common_password_is_refused_in_french():
    assert errors_for("qwerty123456") == ["Ce mot de passe est trop courant."]


def test_password_too_similar_to_the_email_is_refused_in_french():
    user = UserFactory.build(email="bernadette.lafontaine@example.fr")
    messages = errors_for("bernadette.lafontaine", user=user)
    assert len(messages) == 1
    assert messages[0].startswith("Le mot de passe est trop semblable")


def test_sign_up_refuses_a_short_password_with_a_french_message(client):
    from tests.accounts.test_signup import signup_data

    response = client.post(
        reverse("account_signup"), signup_data(password1="court", password2="court")
    )
    assert response.status_code == 200
    assert "trop court" in response.text
