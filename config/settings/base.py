"""Settings shared by every environment.

Values that differ between environments come from the environment through
django-environ. ``local`` is the embedded default (SQLite, filesystem broker),
``production`` has no default for any secret, ``test`` is what pytest loads.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- Core -----------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Widget templates found through TEMPLATES (FORM_RENDERER below).
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.idp.oidc",
    "guardian",
    "django_celery_beat",
    "anymail",
    "accounts",
    "platforms",
    "platforms.ssf",
    "lifecycle",
    "legal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Widgets render through TEMPLATES, so templates/ may override one: the admin's split
# date/time inputs get labels there (templates/admin/widgets/split_datetime.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database --------------------------------------------------------------
# SQLite serves web, worker and beat at once in the embedded default: WAL,
# a busy timeout and IMMEDIATE transactions keep "database is locked" away.

SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
    "transaction_mode": "IMMEDIATE",
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
# Behind PgBouncer in transaction pooling (docs/deploy.md), a server-side cursor and
# a prepared statement do not survive their transaction.
DATABASE_TRANSACTION_POOLER = env.bool("DATABASE_TRANSACTION_POOLER", default=False)
DATABASE_PREPARED_STATEMENTS = env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=not DATABASE_TRANSACTION_POOLER
)


def pooled_database(database: dict) -> dict:
    """The database's cursors and prepared statements as the pooler allows them.

    Behind a transaction pooler, no server-side cursor. On PostgreSQL with
    ``DATABASE_PREPARED_STATEMENTS``, psycopg may prepare statements (Django turns
    that off): only a server-binding cursor ever does, and Django's own cursors bind
    on the client, so in practice only ``config.db.prepared_cursor``'s statements.
    """
    if DATABASE_TRANSACTION_POOLER:
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    if database["ENGINE"] == "django.db.backends.postgresql" and DATABASE_PREPARED_STATEMENTS:
        database.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
    return database


DATABASES["default"] = pooled_database(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.auth_backends.EmailAuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth 65.x
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Invitations (max, window seconds): per administrator and per organisation,
# per minute and per day; an organisation administrator is anyone who signed
# up with a new SIRET, and the invitation mail goes out with OPCO's name.
ACCOUNTS_INVITATION_RATES_PER_ADMINISTRATOR = [(5, 60), (50, 86400)]
ACCOUNTS_INVITATION_RATES_PER_ORGANISATION = [(10, 60), (100, 86400)]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# A form shown again after an error (a mistyped SIRET) keeps the passwords typed.
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OPCO Mobilités] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_RATE_LIMITS = {
    # Password attempts per client address are counted by accounts/throttle.py
    # (SECURITY_THROTTLE_ADDRESS_MAX_ATTEMPTS), in the round trip that opens an attempt.
    "login": None,
    # Counts second-factor codes only (allauth.mfa keys it by user): capped at 25
    # failures a day, as CNIL case 2 does for passwords. Failed passwords are counted
    # by accounts/throttle.py alone, per account and per client address.
    "login_failed": "10/m/ip,5/5m/key,25/1d/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "request_login_code": "20/m/ip,3/m/key",
}
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "OPCO Mobilités"
USERSESSIONS_TRACK_ACTIVITY = True

# django-guardian: no anonymous user row (it would enter every user job).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# --- OpenID Connect provider (allauth.idp.oidc) -----------------------------

IDP_OIDC_PRIVATE_KEY = env.str("IDP_OIDC_PRIVATE_KEY", default="")
IDP_OIDC_PRIVATE_KEY_FILE = env.str("IDP_OIDC_PRIVATE_KEY_FILE", default="")
if not IDP_OIDC_PRIVATE_KEY and IDP_OIDC_PRIVATE_KEY_FILE:
    _key_path = Path(IDP_OIDC_PRIVATE_KEY_FILE)
    if _key_path.exists():
        IDP_OIDC_PRIVATE_KEY = _key_path.read_text()

# --- I18N ------------------------------------------------------------------

LANGUAGE_CODE = "fr"
# The product speaks French to everyone, whatever the browser asks for. Every
# string goes through gettext, so English can follow by adding it here and
# LocaleMiddleware back to MIDDLEWARE.
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media -------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents (proofs of authority) live outside the web root and are
# only ever served through a permission-checked view.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = PRIVATE_MEDIA_ROOT

# --- Cache (rate limits need one shared by every process) -------------------

CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}

# --- Celery ----------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's pidbox exchanges; its default is ``control/`` in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic tasks are declared here, in code; each app adds its own entries
# (see config/settings/schedule.py).
from .schedule import CELERY_BEAT_SCHEDULE  # noqa: E402

# --- Email -----------------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="OPCO Mobilités <ne-pas-repondre@opcomobilites.fr>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    "BREVO_API_KEY": env.str("BREVO_API_KEY", default=""),
    "MAILJET_API_KEY": env.str("MAILJET_API_KEY", default=""),
    "MAILJET_SECRET_KEY": env.str("MAILJET_SECRET_KEY", default=""),
    "SCALEWAY_SECRET_KEY": env.str("SCALEWAY_SECRET_KEY", default=""),
    "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
}

# --- Security defaults (tightened in production) ----------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Request bodies (config/middleware.py answers 413 above these before parsing).
# Non-file data held in memory: 2.5 MiB (a platform's 10,000-item activity batch
# fits). Files above 1 MiB spool to a temporary file instead of memory.
# Anonymous requests: 256 KiB, far above any public form of ours, except the
# bearer-token API under /api/ (csrf-exempt: its view checks the token before it
# reads the body). Signed in: 6 MiB, for the 5 MiB proof (PRIVACY_PROOF_MAX_BYTES).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
REQUEST_BODY_MAX_BYTES_ANONYMOUS = 256 * 1024
REQUEST_BODY_MAX_BYTES = 6 * 1024 * 1024
REQUEST_BODY_API_PREFIXES = ["/api/"]
# Number of reverse proxies in front of the app whose X-Forwarded-For is trusted.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Logging: one JSON object per line ---------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="json"),
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Edges between apps (accounts/platforms never import lifecycle/legal) -------

ACCOUNTS_JOURNAL_WRITER = ""
# Inlines the apps above accounts add to an end user's back-office page (dotted paths).
ACCOUNTS_USER_ADMIN_INLINES: list[str] = []
PLATFORMS_ACTIVITY_RECORDER = "lifecycle.services.activity_record"
DEMO_DATA_LOADERS: list[str] = ["accounts.demo.load"]

# --- security ---
# Security hardening (issue 7); see docs/security.md for what each
# line answers (ASVS 5.0 L2, CNIL délibération 2022-100).

INSTALLED_APPS = [*INSTALLED_APPS, "csp"]
MIDDLEWARE = [
    *MIDDLEWARE,
    "csp.middleware.CSPMiddleware",
    # After AuthenticationMiddleware/AccountMiddleware: they need request.user.
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
]

# Client IP: only the X-Forwarded-For entries appended by our own proxies count.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# allauth reads its settings at every use (about forty reads per sign-in): this
# getter remembers the ones left at their default (config/allauth_settings.py).
ALLAUTH_SETTING_GETTER = "config.allauth_settings.get"

# Per-account throttling (CNIL case 2): exponential delay after 5 failures,
# at most 25 failures in 24 hours. See accounts/throttle.py.
SECURITY_THROTTLE_FREE_FAILURES = 5
SECURITY_THROTTLE_BASE_DELAY = 60  # seconds, doubled for each failure past the free ones
SECURITY_THROTTLE_MAX_DELAY = 3600
SECURITY_THROTTLE_MAX_FAILURES = 25
SECURITY_THROTTLE_WINDOW = 24 * 3600
# ... and at most 10 failed passwords a minute from one client address (spraying).
SECURITY_THROTTLE_ADDRESS_MAX_FAILURES = env.int(
    "SECURITY_THROTTLE_ADDRESS_MAX_FAILURES", default=10
)
SECURITY_THROTTLE_ADDRESS_WINDOW = 60
# ... and at most 30 password attempts a minute from one client address, right or
# wrong (TRUSTED_PROXY_COUNT says which address). Settable for a load test, whose
# generator is a single address.
SECURITY_THROTTLE_ADDRESS_MAX_ATTEMPTS = env.int(
    "SECURITY_THROTTLE_ADDRESS_MAX_ATTEMPTS", default=30
)

# Sessions: staff 30 min idle / 12 h absolute, everyone else 12 h idle.
# See accounts/middleware.py (SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = 12 * 3600
# Django's database sessions with fewer writes at sign-in (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURITY_STAFF_SESSION_IDLE = 30 * 60
SECURITY_STAFF_SESSION_ABSOLUTE = 12 * 3600
SECURITY_SESSION_IDLE = 12 * 3600

# MFA: mandatory for staff (accounts.middleware.StaffMFARequiredMiddleware).
MFA_TOTP_PERIOD = 30
MFA_RECOVERY_CODE_COUNT = 10
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False

# Content-Security-Policy (django-csp 4): no inline script, no eval, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Django's admin sets a few style attributes; no script is affected.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        # Platforms receive the user back through redirects after sign-in (OIDC).
        "form-action": ["'self'", "https:"],
    },
}

# --- legal ---------------------------------------------------------------------
# CGU re-acceptance gate: after authentication (and allauth's middleware).
MIDDLEWARE += ["legal.middleware.CGUGateMiddleware"]
DEMO_DATA_LOADERS += ["legal.demo.load"]
# Audience-measurement script, injected only after consent; empty = none (default).
LEGAL_AUDIENCE_SCRIPT_URL = env.str("LEGAL_AUDIENCE_SCRIPT_URL", default="")
# Bump when the cookie notice changes: every visitor is asked again.
LEGAL_COOKIE_NOTICE_VERSION = env.str("LEGAL_COOKIE_NOTICE_VERSION", default="2026-11")
LEGAL_CONSENT_MONTHS = 13  # CNIL maximum; app_settings caps it at 13
# URL names reachable before re-accepting the CGU (beyond legal pages, sign-out, /healthz).
# The SAML endpoints that only receive a message (the decision is gated in saml:continue).
LEGAL_GATE_EXEMPT_URL_NAMES: list[str] = ["saml:metadata", "saml:sso", "saml:slo"]
if LEGAL_AUDIENCE_SCRIPT_URL:
    from urllib.parse import urlsplit

    _audience = urlsplit(LEGAL_AUDIENCE_SCRIPT_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"].append(
        f"{_audience.scheme}://{_audience.netloc}"
    )
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"].append(
        f"{_audience.scheme}://{_audience.netloc}"
    )

# --- sso ---
# OpenID Connect provider (allauth.idp.oidc) for the platforms; see docs/sso.md.
IDP_OIDC_ADAPTER = "platforms.oidc.PlatformOIDCAdapter"
# The issuer is fixed (not taken from the request's Host) so that the logout
# tokens sent by the worker carry the same ``iss`` as the ID tokens.
IDP_OIDC_ISSUER = env.str("IDP_OIDC_ISSUER", default=SITE_URL).rstrip("/")
# Opaque access tokens: a deactivation takes effect at the next userinfo call.
IDP_OIDC_ACCESS_TOKEN_FORMAT = "opaque"  # noqa: S105 — a format name, not a secret
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = env.int("IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN", default=15 * 60)
IDP_OIDC_ID_TOKEN_EXPIRES_IN = env.int("IDP_OIDC_ID_TOKEN_EXPIRES_IN", default=5 * 60)
IDP_OIDC_AUTHORIZATION_CODE_EXPIRES_IN = 60
IDP_OIDC_ROTATE_REFRESH_TOKEN = True
IDP_OIDC_REFRESH_TOKEN_EXPIRES_IN = env.int(
    "IDP_OIDC_REFRESH_TOKEN_EXPIRES_IN", default=30 * 24 * 3600
)
# Platforms are first-party applications: no consent screen, no dynamic registration.
IDP_OIDC_DCR_ENABLED = False
IDP_OIDC_RP_INITIATED_LOGOUT_ASKS_FOR_OP_LOGOUT = False
# Key rotation (docs/sso.md): IDP_OIDC_PRIVATE_KEYS_FILE names a JSON list of
# {"pem_file" or "pem", "issued_at", "not_before", "expires_at"}; the most recently
# issued active key signs, every unexpired key is published in the JWKS.
# IDP_OIDC_PRIVATE_KEY above stays the simple case (treated as the oldest key).
IDP_OIDC_PRIVATE_KEYS: list[dict] = []
_keys_file = env.str("IDP_OIDC_PRIVATE_KEYS_FILE", default="")
if _keys_file:
    import json as _json

    for _entry in _json.loads(Path(_keys_file).read_text()):
        if "pem_file" in _entry:
            _entry["pem"] = Path(_entry.pop("pem_file")).read_text()
        IDP_OIDC_PRIVATE_KEYS.append(_entry)
# Token endpoint (platforms.oidc): a just-rotated refresh token replays the same
# pair for a few seconds (lost response), then its reuse revokes the family; client
# secrets are stored as HMAC-SHA-256 under this pepper (changing it voids them).
PLATFORMS_OIDC_REFRESH_GRACE_SECONDS = env.int("PLATFORMS_OIDC_REFRESH_GRACE_SECONDS", default=5)
PLATFORMS_OIDC_CLIENT_SECRET_PEPPER = env.str("PLATFORMS_OIDC_CLIENT_SECRET_PEPPER", default="")
PLATFORMS_OIDC_CLIENT_AUTH_FAILURE_LIMITS = {"client": (10, 300), "ip": (30, 300)}
# Back-channel logout delivery (Celery task with retries).
PLATFORMS_BACKCHANNEL_LOGOUT_TIMEOUT = 5
PLATFORMS_BACKCHANNEL_LOGOUT_MAX_RETRIES = 6
PLATFORMS_LOGOUT_TOKEN_EXPIRES_IN = 120
# Activity reported by the platforms: batch size and tolerated clock skew.
PLATFORMS_ACTIVITY_MAX_ITEMS = 10_000
PLATFORMS_ACTIVITY_CLOCK_SKEW = 300
# Set-based recorder for batches: f(*, items: dict[user_id, datetime], platform) -> None.
PLATFORMS_ACTIVITY_BULK_RECORDER = "platforms.activity.activity_record_bulk"
# Extra gates run at authorize before a code is issued: f(*, request, user, platform)
# -> HttpResponse | None. (The CGU gate is legal's middleware, which runs earlier.)
PLATFORMS_AUTHORIZE_GATES: list[str] = []
# A platform's initiate_login_uri (OIDC Core §4) must be https unless
# PLATFORMS_INITIATE_LOGIN_HTTP_ALLOWED (default: DEBUG, read at call time) is set.
DEMO_DATA_LOADERS += ["platforms.demo.load"]

# --- lifecycle ---
ACCOUNTS_JOURNAL_WRITER = "lifecycle.journal.journal_write"
ACCOUNT_ADAPTER = "lifecycle.adapter.LifecycleAccountAdapter"
ACCOUNT_FORMS = {
    "add_email": "accounts.allauth_forms.AddEmailForm",
    "change_password": "accounts.allauth_forms.ChangePasswordForm",
    # Typed passwords survive an error elsewhere in the form (accounts.allauth_forms).
    "signup": "accounts.allauth_forms.SignupForm",
    "set_password": "accounts.allauth_forms.SetPasswordForm",
    "reset_password_from_key": "accounts.allauth_forms.ResetPasswordKeyForm",
    "reset_password": "lifecycle.forms.ResetPasswordForm",
    "request_login_code": "lifecycle.forms.RequestLoginCodeForm",
}
LIFECYCLE_NOTICE_DAYS = env.int("LIFECYCLE_NOTICE_DAYS", default=15)
LIFECYCLE_INACTIVITY_MONTHS = env.int("LIFECYCLE_INACTIVITY_MONTHS", default=24)
# Let the clock run from a refused/bounced notice (deletion without the notice).
LIFECYCLE_PROCEED_WITHOUT_NOTICE = env.bool("LIFECYCLE_PROCEED_WITHOUT_NOTICE", default=False)
LIFECYCLE_CONTACT_EMAIL = env.str(
    "LIFECYCLE_CONTACT_EMAIL", default="relation-client@opcomobilites.fr"
)
DEMO_DATA_LOADERS = [*DEMO_DATA_LOADERS, "lifecycle.demo.load"]
# Platform activity batches also cancel inactivity warnings (after the sso section).
PLATFORMS_ACTIVITY_BULK_RECORDER = "lifecycle.services.activity_record_bulk"

# --- rights ---
# GDPR rights and access protection live in the privacy app (docs/decisions.md).
INSTALLED_APPS += ["privacy"]
ACCOUNTS_BLOCKLIST_CHECKER = "privacy.blocklist.is_blocked"
ACCOUNTS_USER_ADMIN_INLINES = [
    *ACCOUNTS_USER_ADMIN_INLINES,
    "legal.admin.CGUAcceptanceInline",
    "legal.admin.ConsentInline",
    "privacy.admin.ProofRequestUserInline",
]
PRIVACY_DPO_EMAIL = env.str("PRIVACY_DPO_EMAIL", default="dpo@opcomobilites.fr")
PRIVACY_DPO_REMINDER_DAYS = [7, 2]
PRIVACY_CLOSURE_HIGHLIGHT_DAYS = 30
PRIVACY_PROOF_DEADLINE_DAYS = 30
PRIVACY_PROOF_REMINDER_DAYS = [15, 3]
PRIVACY_PROOF_MAX_BYTES = 5 * 1024 * 1024
# (max requests, window in seconds) per client IP on the public lost-credentials form.
PRIVACY_LOST_CREDENTIALS_RATES = [(5, 60), (20, 3600)]
# Records upload names Django had to strip of a path, so proof uploads refuse them.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"),
    "privacy.middleware.UploadNameGuardMiddleware",
)

# --- cguver ---
# Sign-up refuses a form whose CGU version is no longer in force (see legal/signup.py).
ACCOUNTS_SIGNUP_TERMS_CHECK = "legal.signup.check_shown_version"

# --- reliability ---
# Faults the site must survive (docs/reliability.md): Redis away, a database
# restart, a worker killed mid-send, slow clients. The three helpers are applied
# again by production.py, which redefines the database, the cache and the broker.


def reliable_database(database: dict) -> dict:
    """A connection kept across requests (CONN_MAX_AGE) is checked before reuse, so
    the first request of each thread after a database restart does not fail."""
    database["CONN_HEALTH_CHECKS"] = True
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
        )
    return database


def reliable_cache(cache: dict) -> dict:
    """Redis is a cache, not a dependency of signing in: errors degrade to a
    per-process memory cache (config/cache.py), with short socket timeouts."""
    if cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        cache["BACKEND"] = "config.cache.DegradingRedisCache"
        timeout = env.float("CACHE_SOCKET_TIMEOUT", default=0.25)
        cache.setdefault("OPTIONS", {}).update(
            {
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
                "RETRY_AFTER": env.float("CACHE_RETRY_AFTER", default=5),
            }
        )
    return cache


def broker_transport_options(broker_url: str, options: dict) -> dict:
    """On Redis, a visibility timeout shorter than a notice's claim
    (LIFECYCLE_NOTICE_CLAIM_SECONDS, 600 s): an unacknowledged task comes back
    within minutes, and a copy redelivered while the first is still sending finds
    the claim held and does nothing."""
    if broker_url.startswith(("redis://", "rediss://")):
        return {
            "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
            "socket_connect_timeout": 1,
            "socket_timeout": 5,
        }
    return options


DATABASES["default"] = reliable_database(DATABASES["default"])
CACHES["default"] = reliable_cache(CACHES["default"])
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL, CELERY_BROKER_TRANSPORT_OPTIONS
)
# One task at a time per worker process: a killed worker strands at most the
# task it was running, not a prefetched batch.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
LIFECYCLE_NOTICE_CLAIM_SECONDS = 600
# The sweep runs every 15 minutes; a killed sweep's lease (SQLite; PostgreSQL uses
# an advisory lock freed with the connection) runs out before the next run.
LIFECYCLE_SWEEP_LOCK_SECONDS = 14 * 60
# Notice retries wait at most this long (below the visibility timeout).
LIFECYCLE_NOTICE_RETRY_MAX_COUNTDOWN = 240
# Messages per second handed to the mail provider by the outbox (0: no limit).
# Providers' published limits: docs/reliability.md.
LIFECYCLE_NOTICE_RATE = env.float("LIFECYCLE_NOTICE_RATE", default=10)
# A send whose outcome is unknown (worker killed after handing the message over)
# is reconciled with the provider by its Message-ID; with no answer after this
# long it is sent again (a second mail rather than none: the notice is owed).
LIFECYCLE_NOTICE_DOUBT_SECONDS = env.int("LIFECYCLE_NOTICE_DOUBT_SECONDS", default=3600)
# f(*, message_id: str) -> datetime | None | raises LookupError: when the provider
# accepted the message with this Message-ID ("" : no lookup, webhooks only).
LIFECYCLE_NOTICE_PROVIDER_LOOKUP = env.str("LIFECYCLE_NOTICE_PROVIDER_LOOKUP", default="")
# Worker/beat heartbeats older than this are an alarm (back-office, /readyz).
RELIABILITY_HEARTBEAT_STALE_SECONDS = 10 * 60
# The user-session row (allauth.usersessions) is written at most this often.
RELIABILITY_USERSESSION_TOUCH_SECONDS = 5 * 60
MIDDLEWARE[MIDDLEWARE.index("allauth.usersessions.middleware.UserSessionsMiddleware")] = (
    "accounts.middleware.ThrottledUserSessionsMiddleware"
)
LEGAL_GATE_EXEMPT_URL_NAMES = [*LEGAL_GATE_EXEMPT_URL_NAMES, "readyz"]
SECURITY_MFA_EXEMPT_URL_NAMES = ["readyz"]

# --- imports ---
# Import of the previous system's accounts (docs/import.md).
INSTALLED_APPS += ["imports"]
IMPORTS_CHUNK_SIZE = env.int("IMPORTS_CHUNK_SIZE", default=5000)
IMPORTS_ADMIN_MAX_ROWS = env.int("IMPORTS_ADMIN_MAX_ROWS", default=10_000)
# First-connection emails: at most BATCH every INTERVAL seconds, once switched on.
IMPORTS_FIRST_CONNECTION_ENABLED = env.bool("IMPORTS_FIRST_CONNECTION_ENABLED", default=False)
IMPORTS_FIRST_CONNECTION_BATCH = env.int("IMPORTS_FIRST_CONNECTION_BATCH", default=500)
IMPORTS_FIRST_CONNECTION_INTERVAL = env.int("IMPORTS_FIRST_CONNECTION_INTERVAL", default=600)
CELERY_BEAT_SCHEDULE["imports-first-connection"] = {
    "task": "imports.tasks.first_connection_batch",
    "schedule": IMPORTS_FIRST_CONNECTION_INTERVAL,
    "options": {"expire_seconds": IMPORTS_FIRST_CONNECTION_INTERVAL},
}

# --- maintenance ---
# Planned maintenance windows (CGU art. 3 and 5.4), scheduled in the back-office.
INSTALLED_APPS += ["maintenance"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("accounts.middleware.SessionLifetimeMiddleware"),
    "maintenance.middleware.MaintenanceMiddleware",
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("maintenance.middleware.banner")

# --- metrics ---
# Prometheus endpoint /metrics (config/metrics.py): a bearer token, or anonymous only
# where METRICS_ALLOW_ANONYMOUS (local development). Outermost, to count every answer.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOW_ANONYMOUS = False
# The Shared Signals outbox: events to the platforms not delivered yet. (OIDC
# back-channel logouts are Celery messages, not rows: the broker holds them.)
METRICS_EVENT_DELIVERIES_PENDING = env.str(
    "METRICS_EVENT_DELIVERIES_PENDING", default="platforms.ssf.selectors.pending_deliveries_count"
)
MIDDLEWARE.insert(0, "config.metrics.MetricsMiddleware")
# Outermost of all: every log line of a request carries its id (config/logging.py).
MIDDLEWARE.insert(0, "config.logging.RequestIdMiddleware")

# SAML 2.0 identity provider (platforms/saml, docs/sso.md). The key defaults to the
# OpenID provider's; the certificate to a deterministic self-signed one made from it.
SAML_IDP_ENABLED = env.bool("SAML_IDP_ENABLED", default=True)
SAML_IDP_PRIVATE_KEY = env.str("SAML_IDP_PRIVATE_KEY", default="")
SAML_IDP_CERTIFICATE = env.str("SAML_IDP_CERTIFICATE", default="")
SAML_IDP_KEY_DIR = env.path("SAML_IDP_KEY_DIR", default=str(VAR_DIR / "saml"))
