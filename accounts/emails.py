"""Queueing one-off emails (every app): rendered by the caller, sent by a Celery task.

``email_queue`` hands already-rendered strings to ``accounts.tasks.email_send``
after the surrounding transaction commits: a rolled-back change sends nothing,
and the task retries a provider failure with exponential backoff, so a mail is
not lost to a transient outage. Lifecycle notices do not go through here: they
have their own outbox (``lifecycle.notices``) because their clock depends on
the provider's acceptance.
"""

import re
import unicodedata
from collections.abc import Iterable

from django.db import transaction
from django.template import Context
from django.template.loader import get_template

from .tasks import email_send
from .typography import french_typography, french_typography_html

# Anything a mail client would turn into a link: a scheme, "www.", an email
# address, or a host name ("dupont.fr", "login.opco-mobilites.example").
_LINKISH = re.compile(
    r"[a-z][a-z0-9+.-]*://|www\.|[^\s@]+@[^\s@]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b",
    re.IGNORECASE,
)


def untrusted_text(value: str, *, max_length: int = 80) -> str:
    """Text someone else typed, made safe to quote in a mail sent with OPCO's name.

    One line (control characters and line breaks become spaces), at most
    ``max_length`` characters, and every link-like run defanged: dots become
    "[.]", "@" becomes "[@]" and "://" becomes "[:]//", so no mail client turns
    it into a link. The text itself stays readable.
    """
    text = "".join(
        " " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in value or ""
    )
    text = " ".join(text.split())

    def defang(match: re.Match) -> str:
        return match.group(0).replace("://", "[:]//").replace(".", "[.]").replace("@", "[@]")

    text = _LINKISH.sub(defang, text)
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def email_queue(*, subject: str, body: str, to: Iterable[str], html: str = "") -> None:
    """Send an email (plain text, optional HTML alternative) after commit, with retries.

    Runs at once when no transaction is open. Arguments are plain strings so the
    task message is serialisable; render with the data of the committing
    transaction before calling. Every part gets French typography
    (``accounts.typography``: no-break spaces, "1er").
    """
    recipients = [address for address in to if address]
    if not recipients:
        return
    subject, body = french_typography(subject), french_typography(body)
    html = french_typography_html(html) if html else ""
    transaction.on_commit(
        lambda: email_send.delay(subject=subject, body=body, to=recipients, html=html)
    )


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text mail part (body or subject) without HTML escaping.

    Django escapes variables for HTML by default, which turned "l'administrateur"
    into "l&#x27;administrateur" in text mails. Text parts go through here; HTML
    parts keep ``render_to_string`` (escaped, as HTML must be).
    """
    return get_template(template_name).template.render(Context(context, autoescape=False))
