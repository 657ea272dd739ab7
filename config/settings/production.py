"""Production: PostgreSQL, Redis, a real mail provider. No default for secrets."""

from config.keys import webhook_secret_is_valid

from .base import *  # noqa: F403
from .base import (
    IDP_OIDC_PRIVATE_KEY,
    IDP_OIDC_PRIVATE_KEYS,
    broker_transport_options,
    env,
    pooled_database,
    reliable_cache,
    reliable_database,
)

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"] = pooled_database(DATABASES["default"])
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")
CACHES = {"default": env.cache("CACHE_URL")}
# --- reliability --- (config/settings/base.py): health-checked connections,
# a cache that degrades, the broker's visibility timeout.
DATABASES["default"] = reliable_database(DATABASES["default"])
CACHES["default"] = reliable_cache(CACHES["default"])
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL, {})
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="anymail.backends.brevo.EmailBackend")
# Only for the SMTP backend (the compose file's mail catcher).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

if not IDP_OIDC_PRIVATE_KEY and not IDP_OIDC_PRIVATE_KEYS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "IDP_OIDC_PRIVATE_KEY, IDP_OIDC_PRIVATE_KEY_FILE or IDP_OIDC_PRIVATE_KEYS_FILE "
        "must be set in production."
    )

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- security ---
# Browsers only ever talk HTTPS to us: mixed content is upgraded, cookies are
# __Host- (Secure, Path=/, no Domain), the admin sign-in goes through allauth.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],  # noqa: F405
        "upgrade-insecure-requests": True,
    },
}
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Bounce reports stop the lifecycle clock (DOMAIN.md): the mail provider's
# tracking webhooks must be authenticated (basic auth "user:password").
ANYMAIL = {**ANYMAIL, "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET")}  # noqa: F405
if not webhook_secret_is_valid(ANYMAIL["WEBHOOK_SECRET"]):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "ANYMAIL_WEBHOOK_SECRET must be 'user:password' with a password of at least "
        "16 characters: an open tracking webhook lets anyone stop an account's clock."
    )

# Demo data publishes passwords and a client secret: refused (manage.py demo_data).
DEMO_DATA_ALLOWED = False
