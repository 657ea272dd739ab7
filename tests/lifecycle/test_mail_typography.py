"""Mails read as French text: no HTML entity in text parts, French punctuation, "1er" (issue 15 item 10)."""

import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AccountState, DeactivationReason
from lifecycle.models import Notice
from lifecycle.notices import build_message, french_date
from tests.accounts.test_signup import signup_data

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db

ENTITY = re.compile(r"&(#x?[0-9a-fA-F]+|amp|quot|lt|gt|apos|nbsp);")
# French: a space (or a no-break space) before ":", ";", "!" and "?" — never glued to a word.
GLUED_PUNCTUATION = re.compile(r"[^\s\u00a0\u202f/:\d][;:!?](?=\s|$)", re.M)
FIRST_OF_MONTH_WITHOUT_ER = re.compile(
    r"\b1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)\b"
)


def assert_reads_as_french_text(text: str):
    assert not ENTITY.search(text), ENTITY.search(text).group(0)
    assert not GLUED_PUNCTUATION.search(text), GLUED_PUNCTUATION.search(text).group(0)
    assert not FIRST_OF_MONTH_WITHOUT_ER.search(text)


def assert_html_not_double_escaped(html: str):
    assert "&amp;#" not in html and "&amp;amp;" not in html and "&amp;quot;" not in html


@pytest.mark.parametrize(
    ("kind", "state", "reason"),
    [
        (Notice.Kind.DEACTIVATION, AccountState.DEACTIVATED, DeactivationReason.ORG_ADMIN),
        (Notice.Kind.DEACTIVATION, AccountState.DEACTIVATED, DeactivationReason.INACTIVITY),
        (Notice.Kind.DEACTIVATION, AccountState.DEACTIVATED, DeactivationReason.END_OF_AUTHORITY),
        (Notice.Kind.WARNING, AccountState.WARNED, ""),
    ],
)
def test_lifecycle_notices_read_as_french_in_both_parts(kind, state, reason):
    user = UserFactory(first_name="Zoé", last_name="d'Arc")
    user.state, user.deactivation_reason = state, reason
    # Notice of 13 February: day 15 is 28 February, the step falls due on 1 March.
    message = build_message(
        notice=Notice(kind=kind, user=user), user=user, composed_at=paris(2027, 2, 13, 10)
    )
    html = message.alternatives[0][0]
    assert_reads_as_french_text(message.subject)
    assert_reads_as_french_text(message.body)
    assert_html_not_double_escaped(html)
    if reason == DeactivationReason.ORG_ADMIN:
        assert "l'administrateur" in message.body
    assert "1er mars 2027" in message.body


def test_french_dates_say_1er_on_the_first_of_the_month():
    assert french_date(date(2026, 12, 1)) == "1er décembre 2026"
    assert french_date(date(2026, 12, 2)) == "2 décembre 2026"


def test_the_verification_mail_and_page_name_the_address_once(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # mails leave after commit
        client.post(reverse("account_signup"), signup_data())
    message = mail.outbox[-1]
    assert_reads_as_french_text(message.subject)
    assert_reads_as_french_text(message.body)
    url = re.search(r"https?://\S+/confirm-email/\S+/", message.body).group(0)
    page = client.get(url[url.index("/accounts/") :]).text
    sentence = re.search(r'<p id="confirm-email-text">(.*?)</p>', page, re.S).group(1)
    assert sentence.count("claire.durand@transports-durand.fr") == 1
    assert "Claire Durand" in sentence
