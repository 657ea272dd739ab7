"""Issue 15 item 12: "Mes sessions" names browsers as a person does, and fits a phone."""

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from accounts.user_agents import describe

from .factories import UserFactory

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (CHROME_WINDOWS, "Chrome sur Windows"),
        (FIREFOX_ANDROID, "Firefox sur Android"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            "Edge sur Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
            "Safari sur iPhone",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.1 Safari/605.1.15",
            "Safari sur macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "Samsung Internet sur Android",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox sur Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
            "Opera sur Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko",
            "Internet Explorer sur Windows",
        ),
        ("curl/8.5.0", "Navigateur inconnu"),
        ("", "Navigateur inconnu"),
    ],
)
def test_user_agent_is_named_as_a_person_says_it(user_agent, name):
    assert describe(user_agent) == name


@pytest.mark.django_db
def test_sessions_page_names_browsers_and_has_no_table_to_overflow(client):
    user = UserFactory()
    for browser, user_agent in [(Client(), FIREFOX_ANDROID), (client, CHROME_WINDOWS)]:
        browser.force_login(user)
        UserSession.objects.update_or_create(
            session_key=browser.session.session_key,
            defaults={"user": user, "ip": "192.0.2.1", "user_agent": user_agent},
        )
    page = client.get(
        reverse("usersessions_list"), HTTP_USER_AGENT=CHROME_WINDOWS
    ).content.decode()
    assert "Firefox sur Android" in page
    assert "Chrome sur Windows" in page
    assert f">{FIREFOX_ANDROID}<" not in page  # the raw string is no longer the text shown
    assert "<table" not in page
    assert "Déconnecter les autres sessions" in page
