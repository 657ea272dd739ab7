"""deploy/entrypoint.sh: one image, three roles, and a clear refusal when a setting is missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.keys import generate_private_key_pem

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "entrypoint.sh"


@pytest.fixture(scope="module")
def settings_env() -> dict[str, str]:
    """The variables the entrypoint requires, with valid values."""
    return {
        "DJANGO_SECRET_KEY": "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "comptes.example.fr",
        "DATABASE_URL": "postgres://u:p@db:5432/mhab",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
        "CACHE_URL": "redis://redis:6379/1",
        "ANYMAIL_WEBHOOK_SECRET": "anymail:" + "w" * 24,
        "IDP_OIDC_PRIVATE_KEY": generate_private_key_pem(),
    }


def entrypoint(*args, env: dict[str, str], cwd: Path = ROOT):
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(  # noqa: S603
        ["bash", str(SCRIPT), *args],  # noqa: S607
        env={**base, "ENTRYPOINT_DRY_RUN": "1", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_missing_setting_stops_the_container_listing_every_missing_name(settings_env):
    env = dict(settings_env)
    del env["DATABASE_URL"], env["IDP_OIDC_PRIVATE_KEY"]

    result = entrypoint("web", env=env)

    assert result.returncode == 1
    assert "variables manquantes" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "IDP_OIDC_PRIVATE_KEY" in result.stderr
    assert "CACHE_URL" not in result.stderr


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("web", "gunicorn config.wsgi:application"),
        ("worker", "celery -A config worker"),
        (
            "beat",
            "celery -A config beat --loglevel INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler",
        ),
        ("migrate", "python manage.py migrate --noinput"),
    ],
)
def test_each_role_runs_its_process(settings_env, role, expected):
    result = entrypoint(role, env=settings_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)


def test_an_unknown_role_is_refused(settings_env):
    result = entrypoint("serve", env=settings_env)

    assert result.returncode == 2
    assert "commande inconnue : serve" in result.stderr


def test_the_required_settings_are_exactly_what_production_needs(settings_env):
    """Production settings load with the entrypoint's list, and fail without any one of it."""
    script = "import config.settings.production"
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}

    def load(env):
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", script],
            env={**base, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )

    assert load(settings_env).returncode == 0, load(settings_env).stderr[-1500:]
    for name in settings_env:
        missing = {k: v for k, v in settings_env.items() if k != name}
        assert load(missing).returncode != 0, f"production loads without {name}"
