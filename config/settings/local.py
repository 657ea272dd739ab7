"""The embedded default: SQLite, filesystem broker, console email, a dev OIDC key.

Everything lives under ``var/``. ``DATABASE_URL`` and ``CELERY_BROKER_URL``
switch to PostgreSQL and Redis with no code change.
"""

from .base import *  # noqa: F403
from .base import IDP_OIDC_PRIVATE_KEY, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = ["*"]

for _folder in ("broker/out", "broker/processed", "broker/control", "cache", "private"):
    (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)

if not IDP_OIDC_PRIVATE_KEY:
    from config.keys import ensure_dev_private_key

    IDP_OIDC_PRIVATE_KEY = ensure_dev_private_key(VAR_DIR / "oidc_private_key.pem")

if not ANYMAIL["WEBHOOK_SECRET"]:  # noqa: F405
    from config.keys import ensure_dev_webhook_secret

    ANYMAIL = {
        **ANYMAIL,  # noqa: F405
        "WEBHOOK_SECRET": ensure_dev_webhook_secret(VAR_DIR / "anymail_webhook_secret"),
    }

LOGGING["handlers"]["console"]["formatter"] = env.str("LOG_FORMAT", default="plain")  # noqa: F405

# --- security ---
# The demo platforms run on plain http beside `make run`: let the sign-in
# forms redirect to them (production allows https: only).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],  # noqa: F405
        "form-action": ["'self'", "http:", "https:"],
    },
}

# `make run` loads the demo data (published passwords): allowed only here and in tests.
DEMO_DATA_ALLOWED = True
# Local development: /metrics answers without a token (never in production).
METRICS_ALLOW_ANONYMOUS = True
