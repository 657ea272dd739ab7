"""Proof of authority: request, upload, reminders, suspension at the deadline, decision."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from platforms.models import Access, Platform
from privacy import app_settings, services
from privacy.models import ProofDocument, ProofRequest
from tests.accounts.factories import MembershipFactory, UserFactory

from .conftest import journal_rows, paris

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
REQUESTED = paris(2027, 3, 10, 14, 5)
DUE = paris(2027, 4, 10, 0, 0)  # 30 days: day 30 is 9 April, deadline at the start of day 31


def grant(membership, n=1):
    platforms = list(Platform.objects.filter(is_centralised=True).prefetch_related("roles")[:n])
    for platform in platforms:
        Access.objects.create(
            membership=membership, platform=platform, role=platform.roles.first()
        )


@pytest.fixture
def membership():
    m = MembershipFactory()
    grant(m, 2)
    return m


@pytest.fixture
def proof(membership, staff):
    return services.proof_request_create(
        user=membership.user, organisation=membership.organisation, actor=staff, now=REQUESTED
    )


def stored_files() -> list[Path]:
    root = app_settings.proof_root()
    return sorted(root.iterdir()) if root.exists() else []


def upload(client, proof, name, content, content_type="application/pdf"):
    """POST a multipart body built by hand, so the file name reaches the server as given."""
    boundary = "----proofboundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic(
        "POST",
        reverse("privacy:proof_detail", args=[proof.pk]),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_agent_request_sets_a_thirty_day_deadline_and_emails_the_user(
    membership, staff, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        proof = services.proof_request_create(
            user=membership.user, organisation=membership.organisation, actor=staff, now=REQUESTED
        )
    assert proof.due_at == DUE
    assert mailoutbox[0].to == [membership.user.email]
    assert "justificatif" in mailoutbox[0].subject
    assert journal_rows("proof_requested")[0]["actor"] == staff


def test_agent_requests_from_the_back_office(client, membership, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:privacy_proofrequest_add"),
        {
            "user": membership.user.pk,
            "organisation": membership.organisation.pk,
            "days": "10",
            "message": "",
        },
    )
    assert response.status_code == 302, response.content
    assert ProofRequest.objects.get().requested_by == staff


def test_proof_cannot_be_asked_for_an_organisation_the_user_is_not_in(staff):
    other = MembershipFactory()
    with pytest.raises(ValidationError):
        services.proof_request_create(
            user=UserFactory(), organisation=other.organisation, actor=staff, now=REQUESTED
        )


def test_user_sees_the_request_on_home_and_on_landing_after_sign_in(client, proof, password):
    """The home page says it, and a sign-in lands there (one notice, read by its page)."""
    client.force_login(proof.user)
    home = client.get(reverse("home"))
    assert reverse("privacy:proof_detail", args=[proof.pk]) in home.text
    client.logout()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(
        user=proof.user, email=proof.user.email, primary=True, verified=True
    )
    response = client.post(
        reverse("account_login"), {"login": proof.user.email, "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.text.count("vous demande un justificatif de pouvoir") == 1


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("kbis.pdf", PDF, "application/pdf"),
        ("scan.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
    ],
)
def test_user_uploads_a_pdf_png_or_jpeg(client, proof, name, content, mime):
    client.force_login(proof.user)
    response = upload(client, proof, name, content)
    assert response.status_code == 302
    document = ProofDocument.objects.get()
    assert document.content_type == mime
    assert document.original_name == name
    [path] = stored_files()
    assert path.name == document.storage_name
    assert name not in str(path)
    assert path.read_bytes() == content
    proof.refresh_from_db()
    assert proof.status == ProofRequest.Status.SUBMITTED
    assert journal_rows("proof_uploaded")[0]["actor"] == proof.user


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("faux.pdf", b"MZ\x90\x00 this is an executable", "ni un PDF, ni une image PNG ou JPEG"),
        ("notes.pdf", b"just some text renamed", "ni un PDF, ni une image PNG ou JPEG"),
        ("../../etc/passwd.pdf", PDF, "Nom de fichier invalide"),
        ("..\\..\\boot.pdf", PDF, "Nom de fichier invalide"),
        ("..pdf", PDF, "Nom de fichier invalide"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(client, proof, name, content, message):
    client.force_login(proof.user)
    response = upload(client, proof, name, content)
    assert response.status_code == 400
    assert message in response.text
    assert not ProofDocument.objects.exists()
    assert stored_files() == []
    proof.refresh_from_db()
    assert proof.status == ProofRequest.Status.PENDING


def test_oversize_upload_is_refused(client, proof, settings):
    settings.PRIVACY_PROOF_MAX_BYTES = 1024
    client.force_login(proof.user)
    response = upload(client, proof, "gros.pdf", PDF + b"0" * 2000)
    assert response.status_code == 400
    assert "taille maximale" in response.text
    assert stored_files() == []


def test_path_trick_is_refused_by_the_service_too(proof):
    fake = SimpleUploadedFile("x.pdf", PDF)
    fake._name = "../evil.pdf"  # bypass UploadedFile's own basename: the service refuses it
    with pytest.raises(ValidationError):
        services.proof_document_upload(
            request=proof, user=proof.user, uploaded_file=fake, now=REQUESTED
        )
    assert stored_files() == []


def test_another_user_cannot_fetch_a_proof_or_its_page(client, proof):
    client.force_login(proof.user)
    upload(client, proof, "kbis.pdf", PDF)
    document = ProofDocument.objects.get()
    url = reverse("privacy:proof_document", args=[document.pk])
    assert client.get(url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(reverse("privacy:proof_detail", args=[proof.pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_owner_and_opco_get_the_file_as_an_attachment(client, proof, staff):
    client.force_login(proof.user)
    upload(client, proof, "kbis.pdf", PDF)
    document = ProofDocument.objects.get()
    client.force_login(staff)
    response = client.get(reverse("privacy:proof_document", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF


def test_document_ids_are_random_uuids(client, proof):
    client.force_login(proof.user)
    upload(client, proof, "a.pdf", PDF)
    upload(client, proof, "b.pdf", PDF)
    first, second = ProofDocument.objects.all()
    assert first.pk.version == 4 and second.pk.version == 4


@pytest.mark.parametrize(
    ("days", "reminder_at"), [(15, paris(2027, 3, 26, 0, 0)), (3, paris(2027, 4, 7, 0, 0))]
)
def test_reminder_goes_out_at_its_boundary_not_before(
    proof, days, reminder_at, django_capture_on_commit_callbacks, mailoutbox
):
    earlier = [n for n in (15, 3) if n > days]
    proof.reminders_sent = earlier
    proof.save(update_fields=["reminders_sent"])
    with django_capture_on_commit_callbacks(execute=True):
        before = services.proof_sweep(now=reminder_at - dt.timedelta(seconds=1))
        at = services.proof_sweep(now=reminder_at)
        again = services.proof_sweep(now=reminder_at + dt.timedelta(hours=1))
    assert (before["reminded"], at["reminded"], again["reminded"]) == (0, 1, 0)
    assert [m.to for m in mailoutbox] == [[proof.user.email]]
    assert journal_rows("proof_reminder_sent")[0]["actor"] is None


def test_submitted_proof_gets_no_reminder(client, proof, mailoutbox):
    client.force_login(proof.user)
    upload(client, proof, "kbis.pdf", PDF)
    assert services.proof_sweep(now=paris(2027, 4, 8, 0, 0))["reminded"] == 0


def test_accesses_for_the_organisation_are_suspended_at_the_deadline_not_before(proof, membership):
    other = MembershipFactory(user=membership.user)
    grant(other, 1)
    assert services.proof_sweep(now=DUE - dt.timedelta(seconds=1))["expired"] == 0
    assert Access.objects.filter(membership=membership).count() == 2
    assert services.proof_sweep(now=DUE)["expired"] == 1
    proof.refresh_from_db()
    assert proof.status == ProofRequest.Status.EXPIRED
    assert not Access.objects.filter(membership=membership).exists()
    assert Access.objects.filter(membership=other).count() == 1
    row = journal_rows("accesses_suspended_missing_proof")[0]
    assert row["actor"] is None and len(row["data"]["accesses"]) == 2
    assert services.proof_sweep(now=DUE + dt.timedelta(hours=1))["expired"] == 0


def test_proof_sweep_task_runs_on_now(proof):
    from privacy.tasks import proof_sweep_task

    with time_machine.travel(DUE, tick=False):
        assert proof_sweep_task() == {"reminded": 0, "expired": 1}


def test_accepting_a_late_proof_restores_the_accesses(client, proof, membership, staff):
    services.proof_sweep(now=DUE)
    client.force_login(proof.user)
    upload(client, proof, "kbis.pdf", PDF)
    services.proof_request_accept(request=proof, actor=staff, now=DUE + dt.timedelta(days=1))
    proof.refresh_from_db()
    assert proof.status == ProofRequest.Status.ACCEPTED
    assert Access.objects.filter(membership=membership).count() == 2
    assert journal_rows("proof_accepted")[0]["actor"] == staff


def test_agent_rejects_with_a_reason_and_the_user_may_try_again(client, proof, staff):
    client.force_login(proof.user)
    upload(client, proof, "kbis.pdf", PDF)
    with pytest.raises(ValidationError):
        services.proof_request_reject(request=proof, actor=staff, now=REQUESTED, reason="")
    client.force_login(staff)
    client.post(
        reverse("admin:privacy_proofrequest_changelist"),
        {
            "action": "reject",
            "_selected_action": [proof.pk],
            "apply": "1",
            "reason": "Document illisible",
        },
    )
    proof.refresh_from_db()
    assert proof.status == ProofRequest.Status.PENDING
    assert proof.decision_reason == "Document illisible"
    assert journal_rows("proof_rejected")[0]["actor"] == staff
    client.force_login(proof.user)
    page = client.get(reverse("privacy:proof_detail", args=[proof.pk]))
    assert "Document illisible" in page.text


def test_rejection_after_the_deadline_suspends_at_once(client, proof, membership, staff):
    client.force_login(proof.user)
    upload(client, proof, "kbis.pdf", PDF)
    services.proof_request_reject(request=proof, actor=staff, now=DUE, reason="Faux")
    proof.refresh_from_db()
    assert proof.status == ProofRequest.Status.EXPIRED
    assert not Access.objects.filter(membership=membership).exists()


def test_accepting_without_a_document_is_refused(proof, staff):
    with pytest.raises(ValidationError):
        services.proof_request_accept(request=proof, actor=staff, now=REQUESTED)


def test_deleting_the_account_deletes_the_files(client, proof, django_capture_on_commit_callbacks):
    client.force_login(proof.user)
    upload(client, proof, "kbis.pdf", PDF)
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        proof.user.delete()
    assert stored_files() == []


def test_proof_reminder_survives_a_provider_failure_and_goes_out_once(
    proof, django_capture_on_commit_callbacks, mailoutbox, provider_fails
):
    attempts = provider_fails(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.proof_sweep(now=paris(2027, 3, 26, 0, 0))["reminded"] == 1
        assert services.proof_sweep(now=paris(2027, 3, 26, 1, 0))["reminded"] == 0
    assert len(attempts) == 2
    assert [m.to for m in mailoutbox] == [[proof.user.email]]
