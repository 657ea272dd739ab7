"""Security headers on every page, and Django's deployment checks under production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from config.keys import generate_private_key_pem

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

SIGNED_IN_PAGES = ["home", "mfa_index", "usersessions_list", "account_change_password"]


def _pattern_path(pattern) -> str | None:
    """The literal path of a URL pattern, or None when it takes arguments."""
    if isinstance(pattern, RoutePattern):
        return None if pattern.converters else str(pattern)
    if isinstance(pattern, RegexPattern):
        if pattern.regex.groups:
            return None
        return str(pattern).removeprefix("^").removesuffix("$")
    return None  # pragma: no cover - LocalePrefixPattern is not used


def argument_free_paths(patterns=None, prefix="/") -> list[str]:
    """Every URL of the project that resolves without arguments (includes walked)."""
    paths = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        literal = _pattern_path(entry.pattern)
        if literal is None:
            continue
        if isinstance(entry, URLResolver):
            paths += argument_free_paths(entry.url_patterns, prefix + literal)
        else:
            paths.append(prefix + literal)
    return sorted(set(paths))


# Every URL is requested with GET: a POST-only view answers 405, and that answer
# must carry the header too, so nothing is skipped. Redirects are not followed
# (an off-site target would not be ours to check).
ALL_PATHS = argument_free_paths()


def test_the_walk_finds_the_pages_of_every_app():
    """Guards the walker itself: an include it failed to enter would shrink the list."""
    for url_name in ["home", "account_login", "admin:index", "privacy:my_data", "legal:cgu"]:
        assert reverse(url_name) in ALL_PATHS
    assert len(ALL_PATHS) > 80


def csp_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict_csp(response):
    csp = csp_of(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp.get("default-src", [])
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


def assert_every_url_carries_the_csp(client):
    missing = []
    for path in ALL_PATHS:
        response = client.get(path)
        if "Content-Security-Policy" not in response:
            missing.append((path, response.status_code))
            continue
        assert_strict_csp(response)
    assert missing == []


def test_every_url_carries_a_strict_csp_for_an_anonymous_visitor(client):
    assert_every_url_carries_the_csp(client)


def test_every_url_carries_a_strict_csp_for_a_signed_in_member(client, member):
    client.force_login(member)
    assert_every_url_carries_the_csp(client)


def test_every_url_carries_a_strict_csp_for_an_opco_administrator(client, staff_with_mfa):
    staff_with_mfa.is_superuser = True
    staff_with_mfa.save(update_fields=["is_superuser"])
    client.force_login(staff_with_mfa)
    assert_every_url_carries_the_csp(client)


@pytest.mark.parametrize("url_name", SIGNED_IN_PAGES)
def test_signed_in_pages_carry_a_csp_without_inline_scripts(client, member, url_name):
    client.force_login(member)
    response = client.get(reverse(url_name), follow=True)
    assert response.status_code == 200
    assert_strict_csp(response)


def test_back_office_carries_the_csp(client, staff_with_mfa):
    staff_with_mfa.is_superuser = True
    staff_with_mfa.save(update_fields=["is_superuser"])
    client.force_login(staff_with_mfa)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert_strict_csp(response)


def test_redirects_and_errors_carry_the_csp(client):
    assert_strict_csp(client.get(reverse("home")))  # 302 to sign-in
    assert_strict_csp(client.get("/no-such-page/"))


def test_pages_have_no_inline_script(client, member):
    client.force_login(member)
    for url_name in SIGNED_IN_PAGES:
        text = client.get(reverse(url_name)).text
        for chunk in text.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, (url_name, tag)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("X-Content-Type-Options", "nosniff"),
    ],
)
def test_protective_headers_are_set(client, header, value):
    assert client.get(reverse("account_login"))[header] == value


def production_env() -> dict[str, str]:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE in this process.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "comptes.example.fr",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/mhab_unused",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
        "CACHE_URL": "redis://127.0.0.1:6379/14",
        "IDP_OIDC_PRIVATE_KEY": generate_private_key_pem(),
        "ANYMAIL_WEBHOOK_SECRET": "anymail:" + secrets.token_urlsafe(24),
    }


def test_deploy_check_is_clean_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_uses_host_prefixed_secure_cookies_and_hsts():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT, "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['upgrade-insecure-requests'])"
    )
    result = subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1].split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        "True",
        "True",
    ]
