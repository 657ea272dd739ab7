"""The embedded default: SQLite, filesystem broker, console email, a dev OIDC key.

Everything lives under ``var/``. ``DATABASE_URL`` and ``CELERY_BROKER_URL``
switch to PostgreSQL and Redis with no code change.
"""

from .base import *  # noqa: F403
from .base import IDP_OIDC_PRIVATE_KEY, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = ["*"]

for _folder in ("broker/out", "broker/processed", "cache", "private"):
    (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)

if not IDP_OIDC_PRIVATE_KEY:
    from config.keys import ensure_dev_private_key

    IDP_OIDC_PRIVATE_KEY = ensure_dev_private_key(VAR_DIR / "oidc_private_key.pem")

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
# Local development: /metrics answers without a token (never in production).
METRICS_ALLOW_ANONYMOUS = True
