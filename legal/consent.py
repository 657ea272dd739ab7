"""The cookie-consent cookie: read, validate (age, notice version), write.

The cookie is strictly necessary (it remembers the choice, including a refusal);
it is signed so that its date cannot be forged to dodge the 13-month limit. It
holds: a random subject id, the notice version, the choice instant and the
audience-measurement choice.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import app_settings

SALT = "legal.cookie-consent"


@dataclass(frozen=True)
class Consent:
    subject_id: uuid.UUID
    notice_version: str
    chosen_at: datetime
    audience: bool

    def expires_at(self) -> datetime:
        return self.chosen_at + relativedelta(months=app_settings.cookie_consent_months())


def read(request: HttpRequest, *, now: datetime) -> Consent | None:
    """The visitor's valid choice, or None when he must be asked (again).

    None when there is no cookie, a forged one, one made under another notice
    version, or one older than 13 months.
    """
    raw = request.get_signed_cookie(app_settings.cookie_consent_name(), default=None, salt=SALT)
    if not raw:
        return None
    try:
        subject, version, stamp, audience = raw.split("|")
        consent = Consent(
            subject_id=uuid.UUID(subject),
            notice_version=version,
            chosen_at=datetime.fromtimestamp(int(stamp), tz=UTC),
            audience=audience == "1",
        )
    except ValueError:
        return None
    if consent.notice_version != app_settings.cookie_notice_version():
        return None
    if now >= consent.expires_at() or consent.chosen_at > now:
        return None
    return consent


def subject_id(request: HttpRequest) -> uuid.UUID:
    """The random id of this browser, kept across choices (even expired ones)."""
    raw = request.get_signed_cookie(app_settings.cookie_consent_name(), default=None, salt=SALT)
    if raw:
        try:
            return uuid.UUID(raw.split("|", 1)[0])
        except ValueError:
            pass
    return uuid.uuid4()


def write(response: HttpResponse, consent: Consent) -> None:
    """Set the consent cookie until the choice expires."""
    value = "|".join(
        [
            str(consent.subject_id),
            consent.notice_version,
            str(int(consent.chosen_at.timestamp())),
            "1" if consent.audience else "0",
        ]
    )
    max_age = int((consent.expires_at() - consent.chosen_at).total_seconds())
    response.set_signed_cookie(
        app_settings.cookie_consent_name(),
        value,
        salt=SALT,
        max_age=max_age,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
