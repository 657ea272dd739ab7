"""allauth's settings through ``config.allauth_settings.get`` (``ALLAUTH_SETTING_GETTER``)."""

from allauth.account import app_settings
from django.test import override_settings

from config import allauth_settings


def test_a_setting_left_at_its_default_is_read_once_then_remembered_absent():
    assert app_settings.EMAIL_MAX_LENGTH == 254
    assert "ACCOUNT_EMAIL_MAX_LENGTH" in allauth_settings._absent


def test_a_setting_set_after_it_was_found_absent_is_read_anew_and_forgotten_after():
    assert app_settings.EMAIL_MAX_LENGTH == 254

    with override_settings(ACCOUNT_EMAIL_MAX_LENGTH=120):
        assert app_settings.EMAIL_MAX_LENGTH == 120

    assert app_settings.EMAIL_MAX_LENGTH == 254


def test_a_setting_present_is_its_value():
    assert allauth_settings.get("ACCOUNT_PREVENT_ENUMERATION", False) is True
