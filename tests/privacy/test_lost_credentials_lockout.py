"""An attacker never locks anybody out through "J'ai perdu mes identifiants".

Anonymous reports only send the account's owner a one-use, 24-hour link; only
that link suspends. Staff accounts reported anonymously go to the agents' queue.
Reports are limited per IP and per reported address, and journaled with their
origin. (Issue 11, item 1; ASVS 5.0 §6.3.8 for the identical answers.)
"""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from config import celery_app
from privacy.models import LostCredentialsConfirmation, LostCredentialsReport
from tests.accounts.factories import UserFactory

from .conftest import journal_rows

pytestmark = pytest.mark.django_db

URL = "privacy:lost_credentials"


@pytest.fixture
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


def anonymous_report(client, email, captured):
    with captured(execute=True):
        return client.post(reverse(URL), {"email": email, "message": ""})


def confirm_path(mail) -> str:
    url = re.search(r"https?://\S+/identifiants-perdus/confirmer/\S+/", mail.body).group(0)
    return urlsplit(url).path


def test_anonymous_report_suspends_nothing_and_mails_the_owner_a_link(
    client, django_capture_on_commit_callbacks, eager_tasks, mailoutbox
):
    user = UserFactory(email="victime@example.fr")
    anonymous_report(client, "Victime@Example.fr", django_capture_on_commit_callbacks)
    user.refresh_from_db()
    assert user.is_active
    assert not LostCredentialsReport.objects.exists()
    [mail] = mailoutbox
    assert mail.to == ["victime@example.fr"]
    assert "Oui, suspendre mon compte" in mail.body
    assert "24 heures" in mail.body
    row = journal_rows("lost_credentials_reported")[0]
    assert row["actor"] is None
    assert row["data"]["via"] == "anonymous" and row["data"]["ip"] == "127.0.0.1"


def test_only_the_emailed_link_suspends_and_only_once(
    client, django_capture_on_commit_callbacks, eager_tasks, mailoutbox
):
    user = UserFactory(email="victime@example.fr")
    anonymous_report(client, "victime@example.fr", django_capture_on_commit_callbacks)
    path = confirm_path(mailoutbox[0])
    page = client.get(path)
    assert page.status_code == 200 and "Oui, suspendre mon compte" in page.text
    user.refresh_from_db()
    assert user.is_active, "a GET (mail scanner, preview) must not suspend"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path)
    assert done["Location"] == reverse("privacy:lost_credentials_suspended")
    user.refresh_from_db()
    assert not user.is_active
    report = LostCredentialsReport.objects.get(user=user)
    assert report.status == LostCredentialsReport.Status.PENDING
    assert report.origin == "email_link"
    assert journal_rows("lost_credentials_reported")[-1]["data"]["via"] == "email_link"
    # One use: the same link is dead now.
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_a_forged_link_suspends_nothing(client):
    user = UserFactory()
    response = client.post(reverse("privacy:lost_credentials_confirm", args=["forged-token"]))
    assert response.status_code == 404
    assert "Lien invalide ou expiré" in response.text
    user.refresh_from_db()
    assert user.is_active


def test_the_link_expires_after_24_hours(
    client, django_capture_on_commit_callbacks, eager_tasks, mailoutbox
):
    user = UserFactory(email="victime@example.fr")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        anonymous_report(client, "victime@example.fr", django_capture_on_commit_callbacks)
    path = confirm_path(mailoutbox[0])
    with time_machine.travel(start + dt.timedelta(hours=24, seconds=1), tick=False):
        assert client.post(path).status_code == 404
    user.refresh_from_db()
    assert user.is_active
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        client.post(path)
    user.refresh_from_db()
    assert not user.is_active


def test_same_answer_and_same_mails_count_for_unknown_address(
    client, django_capture_on_commit_callbacks, eager_tasks, mailoutbox
):
    UserFactory(email="connu@example.fr")
    known = anonymous_report(client, "connu@example.fr", django_capture_on_commit_callbacks)
    unknown = anonymous_report(client, "inconnu@example.fr", django_capture_on_commit_callbacks)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mailoutbox] == [["connu@example.fr"]]
    assert not LostCredentialsConfirmation.objects.filter(user__email="inconnu@example.fr")


def test_anonymous_report_on_a_staff_account_goes_to_the_agents_queue(
    client, django_capture_on_commit_callbacks, eager_tasks, mailoutbox
):
    agent = UserFactory(email="agent@opcomobilites.fr", is_staff=True)
    anonymous_report(client, "agent@opcomobilites.fr", django_capture_on_commit_callbacks)
    agent.refresh_from_db()
    assert agent.is_active
    report = LostCredentialsReport.objects.get(user=agent)
    assert report.status == LostCredentialsReport.Status.TO_REVIEW
    assert mailoutbox == [], "no self-service link for staff: an agent decides"
    assert not LostCredentialsConfirmation.objects.exists()
    row = journal_rows("lost_credentials_reported")[0]
    assert row["data"]["via"] == "anonymous" and row["data"]["queued"] is True


def test_superuser_without_staff_flag_is_not_suspended_anonymously_either(
    client, django_capture_on_commit_callbacks, eager_tasks
):
    root = UserFactory(email="root@opcomobilites.fr", is_staff=False, is_superuser=True)
    anonymous_report(client, "root@opcomobilites.fr", django_capture_on_commit_callbacks)
    root.refresh_from_db()
    assert root.is_active
    assert LostCredentialsReport.objects.get(user=root).status == "to_review"


def test_agents_see_the_staff_report_in_the_back_office_and_can_suspend(
    client, django_capture_on_commit_callbacks, eager_tasks
):
    target = UserFactory(email="agent2@opcomobilites.fr", is_staff=True)
    anonymous_report(client, "agent2@opcomobilites.fr", django_capture_on_commit_callbacks)
    checker = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(checker)
    listing = client.get(reverse("admin:privacy_lostcredentialsreport_changelist"))
    assert "agent2@opcomobilites.fr" in listing.text
    assert "Compte OPCO signalé anonymement" in listing.text
    report = LostCredentialsReport.objects.get(user=target)
    client.post(
        reverse("admin:privacy_lostcredentialsreport_changelist"),
        {"action": "suspend_reported", "_selected_action": [report.pk]},
    )
    target.refresh_from_db()
    assert not target.is_active
    report.refresh_from_db()
    assert (report.status, report.reported_by) == ("pending", checker)


def test_reports_are_limited_per_target_address_whatever_the_ip(
    client, settings, django_capture_on_commit_callbacks, eager_tasks, mailoutbox
):
    settings.PRIVACY_LOST_CREDENTIALS_TARGET_RATES = [(2, 3600)]
    settings.PRIVACY_LOST_CREDENTIALS_RATES = [(100, 60)]
    UserFactory(email="victime@example.fr")
    answers = []
    for i in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse(URL), {"email": "victime@example.fr"}, REMOTE_ADDR=f"198.51.100.{i}"
            )
        answers.append(response.status_code)
    # Same answer for every try, but the mailbox gets two links only.
    assert answers == [302, 302, 302, 302]
    assert len(mailoutbox) == 2


def test_signed_in_owner_suspends_at_once(client):
    user = UserFactory(email="moi@example.fr")
    client.force_login(user)
    page = client.get(reverse(URL))
    assert "Oui, suspendre mon compte" in page.text and "moi@example.fr" in page.text
    client.post(reverse(URL), {"message": "volé dans le train"})
    user.refresh_from_db()
    assert not user.is_active
    assert LostCredentialsReport.objects.get(user=user).origin == "signed_in"
