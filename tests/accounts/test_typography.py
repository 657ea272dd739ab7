"""French typography of every mail (issue 15 item 10): no-break spaces and "1er"."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import services
from accounts.typography import NARROW_NBSP, NBSP, french_typography, french_typography_html
from privacy import services as privacy_services
from tests.mails import mail_problems
from tests.privacy.test_proof import PDF

from .factories import MembershipFactory, OrganisationFactory, UserFactory, administrator_of

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


@pytest.mark.parametrize("decision", ["accept", "reject", "expire"])
def test_the_proof_decision_mails_read_as_french(decision, django_capture_on_commit_callbacks):
    """The mails no other test sent: a proof accepted, refused, or missing at the deadline."""
    now = timezone.now()
    membership = MembershipFactory(user__first_name="Zoé", user__last_name="d'Arc")
    agent = UserFactory(is_staff=True)
    proof = privacy_services.proof_request_create(
        user=membership.user, organisation=membership.organisation, actor=agent, now=now
    )
    if decision != "expire":
        privacy_services.proof_document_upload(
            request=proof,
            user=membership.user,
            uploaded_file=SimpleUploadedFile("kbis.pdf", PDF, content_type="application/pdf"),
            now=now,
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        if decision == "accept":
            privacy_services.proof_request_accept(request=proof, actor=agent, now=now)
        elif decision == "reject":
            privacy_services.proof_request_reject(
                request=proof, actor=agent, now=now, reason="Document illisible : à refaire"
            )
        else:
            privacy_services.proof_request_expire(request=proof, now=proof.due_at + timedelta(1))
    assert mail.outbox, decision
    for message in mail.outbox:
        assert mail_problems(message) == [], message.body
