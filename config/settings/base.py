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
    "lifecycle",
    "legal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
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
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OPCO Mobilités] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "request_login_code": "20/m/ip,3/m/key",
}
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
LANGUAGES = [("fr", "Français"), ("en", "English")]
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
from .schedule import CELERY_BEAT_SCHEDULE  # noqa: E402, F401

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
PLATFORMS_ACTIVITY_RECORDER = "lifecycle.services.activity_record"
DEMO_DATA_LOADERS: list[str] = []

# --- lifecycle ---
ACCOUNTS_JOURNAL_WRITER = "lifecycle.journal.journal_write"
ACCOUNT_ADAPTER = "lifecycle.adapter.LifecycleAccountAdapter"
ACCOUNT_FORMS = {
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

# --- rights ---
# GDPR rights and access protection live in the privacy app (docs/decisions.md).
INSTALLED_APPS += ["privacy"]
ACCOUNTS_BLOCKLIST_CHECKER = "privacy.blocklist.is_blocked"
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
