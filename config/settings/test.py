"""Settings for pytest: fast hasher, in-memory cache, eager nothing.

``DATABASE_URL`` selects PostgreSQL (CI); otherwise SQLite under ``var/``.
"""

import tempfile
from pathlib import Path

from config.keys import generate_private_key_pem

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ALWAYS_EAGER = False
IDP_OIDC_PRIVATE_KEY = env.str("IDP_OIDC_PRIVATE_KEY", default="") or generate_private_key_pem()
# One folder per test session under var/, removed at the end of the session
# (tests/conftest.py): the suite leaves no temporary directory behind.
(VAR_DIR / "test").mkdir(parents=True, exist_ok=True)  # noqa: F405
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="private-", dir=VAR_DIR / "test"))  # noqa: F405
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
WHITENOISE_AUTOREFRESH = True
ANYMAIL = {**ANYMAIL, "WEBHOOK_SECRET": "anymail:test-webhook-secret"}  # noqa: F405

DEMO_DATA_ALLOWED = True
# Windows stay cached for the whole test unless a test clears them (maintenance
# tests do): a slow test must not see an extra query when 30 s have passed.
MAINTENANCE_CACHE_SECONDS = 3600
# The demo platform and the test relying parties run on http://127.0.0.1.
PLATFORMS_INITIATE_LOGIN_HTTP_ALLOWED = True
# A sweep's notices go out through the outbox dispatcher, run eagerly in tests with
# the clock frozen: no pacing there (the pacing tests pass their own rate and a fake
# sleep, tests/lifecycle/test_notice_outbox.py).
LIFECYCLE_NOTICE_RATE = 0
