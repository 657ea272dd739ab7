"""Tunables of the legal app, read from ``django.conf.settings`` at call time."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _


def cookie_consent_name() -> str:
    """Name of the cookie that keeps the visitor's choice (itself strictly necessary)."""
    return getattr(settings, "LEGAL_CONSENT_COOKIE_NAME", "mhab_consent")


def cookie_consent_months() -> int:
    """How long a choice is kept before the banner asks again (CNIL: 13 months at most)."""
    return min(int(getattr(settings, "LEGAL_CONSENT_MONTHS", 13)), 13)


def cookie_notice_version() -> str:
    """Version of the cookie notice; a choice made under another version is asked again."""
    return getattr(settings, "LEGAL_COOKIE_NOTICE_VERSION", "2026-11")


def audience_script_url() -> str:
    """URL of the audience-measurement script; empty (the default) means none at all."""
    return getattr(settings, "LEGAL_AUDIENCE_SCRIPT_URL", "")


def audience_cookies() -> list[dict]:
    """Cookies the audience-measurement tool sets (listed on the cookie page)."""
    return getattr(
        settings,
        "LEGAL_AUDIENCE_COOKIES",
        [
            {
                "name": "_pk_id.*",
                "purpose": _("Distinguer les visiteurs"),
                "duration": _("13 mois"),
            },
            {
                "name": "_pk_ses.*",
                "purpose": _("Regrouper les pages d'une visite"),
                "duration": _("30 minutes"),
            },
        ],
    )


def necessary_cookies() -> list[dict]:
    """Strictly necessary cookies (exempt from consent), named from the live settings."""
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "purpose": _("Maintenir votre connexion"),
            "duration": _("Session"),
        },
        {
            "name": settings.CSRF_COOKIE_NAME,
            "purpose": _("Protéger les formulaires contre la falsification de requêtes"),
            "duration": _("1 an"),
        },
        {
            "name": "messages",
            "purpose": _("Afficher un message après une action"),
            "duration": _("Session"),
        },
        {
            "name": cookie_consent_name(),
            "purpose": _("Retenir vos choix en matière de cookies"),
            "duration": _("13 mois"),
        },
    ]


def gate_extra_exempt_url_names() -> list[str]:
    """URL names (``namespace:name``) reachable while the new CGU are not accepted yet.

    The legal pages, the gate, sign-out and /healthz are always exempt; add e.g. the
    closure-request page here.
    """
    return list(getattr(settings, "LEGAL_GATE_EXEMPT_URL_NAMES", []))
