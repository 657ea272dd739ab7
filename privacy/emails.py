"""Emails of the privacy app, rendered from templates/privacy/email/<name>_{subject,body}.txt.

``send_on_commit`` renders now, with the data of the current transaction, and
queues the email after it commits (nothing leaves for a rolled-back change)
through ``accounts.emails.email_queue``, whose task retries provider failures.
"""

from django.conf import settings
from django.template import Context
from django.template.loader import get_template

from accounts.emails import email_queue

from . import app_settings


def _render_text(template_name: str, context: dict) -> str:
    # Plain-text mail: no HTML escaping of names and apostrophes.
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def render(name: str, context: dict) -> tuple[str, str]:
    context = {"site_url": app_settings.site_url(), **context}
    subject = _render_text(f"privacy/email/{name}_subject.txt", context).strip()
    body = _render_text(f"privacy/email/{name}_body.txt", context)
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    return prefix + " ".join(subject.split()), body


def send_on_commit(name: str, *, to: list[str], context: dict) -> None:
    subject, body = render(name, context)
    email_queue(subject=subject, body=body, to=to)
