"""Settings of the demo platform (a relying party of the account centre).

The provider's address and the client credentials come from the environment,
with the values registered by the account centre's demo data as defaults.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR.parent.parent / "var"
VAR_DIR.mkdir(exist_ok=True)

DEBUG = True
SECRET_KEY = "demo-platform-insecure-key"  # noqa: S105 — demo only
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "mozilla_django_oidc",
    "demo_platform",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "demo_platform.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # The browser tests run their own copy beside the live account centre.
        "NAME": os.environ.get("DEMO_DATABASE") or VAR_DIR / "demo_platform.sqlite3",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"

# Cookies are shared across ports on 127.0.0.1: keep ours apart from the account centre's.
SESSION_COOKIE_NAME = "demo_platform_session"
CSRF_COOKIE_NAME = "demo_platform_csrftoken"

AUTHENTICATION_BACKENDS = ["demo_platform.auth.SubjectBackend"]
LOGIN_URL = "oidc_authentication_init"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

PROVIDER = os.environ.get("DEMO_PROVIDER_URL", "http://127.0.0.1:8000").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("DEMO_CLIENT_ID", "demo-platform")
OIDC_RP_CLIENT_SECRET = os.environ.get(
    "DEMO_CLIENT_SECRET", "demo-platform-secret-not-for-production"
)
OIDC_OP_AUTHORIZATION_ENDPOINT = f"{PROVIDER}/identity/o/authorize"
OIDC_OP_TOKEN_ENDPOINT = f"{PROVIDER}/identity/o/api/token"
OIDC_OP_USER_ENDPOINT = f"{PROVIDER}/identity/o/api/userinfo"
OIDC_OP_JWKS_ENDPOINT = f"{PROVIDER}/.well-known/jwks.json"
OIDC_OP_ISSUER = PROVIDER
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile habilitations"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_STORE_ID_TOKEN = True
OIDC_STORE_ACCESS_TOKEN = True
OIDC_OP_LOGOUT_URL_METHOD = "demo_platform.views.provider_logout_url"

# Shared Signals: the account centre pushes SETs to /ssf/events with this
# Authorization header (set on the stream by the account centre's demo data).
SSF_PUSH_AUTHORIZATION = os.environ.get(
    "DEMO_SSF_PUSH_AUTHORIZATION", "Bearer demo-ssf-push-secret-not-for-production"
)
