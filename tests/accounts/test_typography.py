"""French typography of every mail (issue 15 item 10): no-break spaces and "1er"."""

from datetime import UTC, datetime

import pytest
from django.core import mail

from accounts import services
from accounts.typography import NARROW_NBSP, NBSP, french_typography, french_typography_html
from tests.mails import mail_problems

from .factories import OrganisationFactory, UserFactory, administrator_of

pytestmark = pytest.mark.django_db


def test_spaces_before_and_inside_french_punctuation_do_not_break():
    text = "Échéance : demain ; vraiment ! Pourquoi ? « Mes données »"
    assert french_typography(text) == (
        f"Échéance{NBSP}: demain{NARROW_NBSP}; vraiment{NARROW_NBSP}! "
        f"Pourquoi{NARROW_NBSP}? «{NBSP}Mes données{NBSP}»"
    )


def test_links_times_and_the_first_of_the_month():
    text = "https://exemple.fr/?next=/a 10:30, le 1 décembre, le 21 mars, le 1er mai"
    assert french_typography(text) == (
        "https://exemple.fr/?next=/a 10:30, le 1er décembre, le 21 mars, le 1er mai"
    )


def test_html_text_only_tags_and_styles_untouched():
    html = '<p style="margin : 0">Bonjour : <a href="/?a=1">lien</a> !</p><style>a : b</style>'
    assert french_typography_html(html) == (
        f'<p style="margin : 0">Bonjour{NBSP}: <a href="/?a=1">lien</a>{NARROW_NBSP}!</p>'
        "<style>a : b</style>"
    )


def test_an_invitation_valid_until_the_first_reads_1er(
    django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    organisation = OrganisationFactory(legal_name="Transports Durand")
    inviter = administrator_of(organisation, UserFactory(first_name="Léa", last_name="Bernard"))
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            organisation=organisation,
            email="paul@transports-durand.fr",
            invited_by=inviter,
            now=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        )
    message = mail.outbox[-1]
    assert "jusqu'au 1er décembre 2026" in message.body.replace(NBSP, " ")
    assert mail_problems(message) == []


def test_the_mail_check_catches_what_mails_said_before():
    class Message:
        subject = "Votre compte : désactivé"
        body = "l&#x27;administrateur a désactivé votre compte le 1 décembre."
        alternatives = [("<p>Bonjour&amp;#x27; !</p>", "text/html")]

    problems = " | ".join(mail_problems(Message()))
    for expected in ["subject: plain space", "HTML entity &#x27;", "1 instead of 1er", "twice"]:
        assert expected in problems, problems
