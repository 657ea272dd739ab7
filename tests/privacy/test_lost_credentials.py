"""Lost or stolen credentials: public form, suspension at once, new access by an agent."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client, Token
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from config import celery_app
from privacy import services
from privacy.models import BlocklistEntry, LostCredentialsReport
from tests.accounts.factories import UserFactory

from .conftest import journal_rows

pytestmark = pytest.mark.django_db

URL = "privacy:lost_credentials"


@pytest.fixture
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def report(client, email, captured):
    with captured(execute=True):
        return client.post(reverse(URL), {"email": email, "message": ""})


def test_form_is_public_and_in_french(client):
    page = client.get(reverse(URL))
    assert page.status_code == 200
    assert "J'ai perdu mes identifiants / on me les a volés" in page.text


def test_known_and_unknown_emails_get_the_same_answer_with_the_same_work(
    client, django_capture_on_commit_callbacks, django_assert_num_queries, monkeypatch
):
    UserFactory(email="connu@example.fr")
    queued = []
    monkeypatch.setattr(
        "privacy.views.lost_credentials_report_task.delay_on_commit",
        lambda *args: queued.append(args),
    )
    answers = []
    for email in ["connu@example.fr", "inconnu@example.fr"]:
        with django_assert_num_queries(0):
            response = client.post(reverse(URL), {"email": email, "message": ""})
        answers.append((response.status_code, response["Location"]))
    assert answers[0] == answers[1]
    done = client.get(answers[0][1])
    assert "Si un compte correspond à cette adresse" in done.text
    # The lookup happens in the task, out of the request.
    assert queued == [
        ("connu@example.fr", "", "127.0.0.1"),
        ("inconnu@example.fr", "", "127.0.0.1"),
    ]


def test_signed_in_owner_report_suspends_at_once_and_queues_it(client, mailoutbox):
    user = UserFactory(email="victime@example.fr")
    platform_client = Client.objects.create(name="M-Gestion", redirect_uris="https://x.test/cb")
    Token.objects.create(client=platform_client, user=user, type="at", hash="abc")
    client.force_login(user)
    response = client.post(reverse(URL), {"message": ""})
    assert response["Location"] == reverse("privacy:lost_credentials_suspended")
    user.refresh_from_db()
    assert not user.is_active
    assert not Token.objects.filter(user=user).exists()
    queued = LostCredentialsReport.objects.get(user=user)
    assert queued.status == LostCredentialsReport.Status.PENDING
    row = journal_rows("lost_credentials_reported")[0]
    assert row["actor"] is None and row["data"]["via"] == "signed_in"


def test_unknown_email_leaves_nothing_behind(
    client, django_capture_on_commit_callbacks, eager_tasks
):
    UserFactory()
    report(client, "personne@example.fr", django_capture_on_commit_callbacks)
    assert not LostCredentialsReport.objects.exists()
    assert User.objects.filter(is_active=True).count() == 1


def test_a_second_report_does_not_queue_twice():
    user = UserFactory(email="victime@example.fr")
    services.lost_credentials_report(user=user, now=timezone.now(), origin="signed_in")
    services.lost_credentials_report(user=user, now=timezone.now(), origin="signed_in")
    assert LostCredentialsReport.objects.count() == 1


def test_form_is_rate_limited_per_address(client, settings, monkeypatch):
    settings.PRIVACY_LOST_CREDENTIALS_RATES = [(3, 60)]
    monkeypatch.setattr(
        "privacy.views.lost_credentials_report_task.delay_on_commit", lambda *args: None
    )
    codes = [
        client.post(reverse(URL), {"email": f"x{i}@example.fr"}).status_code for i in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    limited = client.post(reverse(URL), {"email": "y@example.fr"})
    assert "Trop de signalements" in limited.text


def test_agent_reports_for_the_user_from_the_back_office(client, staff):
    user = UserFactory()
    client.force_login(staff)
    client.post(
        reverse("admin:privacy_accountsuspension_changelist"),
        {"action": "report_lost_credentials", "_selected_action": [user.pk]},
    )
    user.refresh_from_db()
    assert not user.is_active
    assert LostCredentialsReport.objects.get(user=user).reported_by == staff
    assert journal_rows("lost_credentials_reported")[0]["actor"] == staff


def _reset_link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_new_access_link_resets_password_and_lifts_the_suspension(
    client, staff, django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory(email="victime@example.fr")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    queued = services.lost_credentials_report(user=user, now=timezone.now())
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:privacy_lostcredentialsreport_changelist"),
            {
                "action": "issue_access",
                "_selected_action": [queued.pk],
                "apply": "1",
                "new_email": "",
            },
        )
    client.logout()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not user.is_active
    mail = mailoutbox[-1]
    assert mail.to == ["victime@example.fr"]
    link = _reset_link(mail)
    response = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    done = client.post(
        form_url,
        {"password1": "un nouveau mot de passe 2027", "password2": "un nouveau mot de passe 2027"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password("un nouveau mot de passe 2027")
    queued.refresh_from_db()
    assert queued.status == LostCredentialsReport.Status.RESOLVED
    assert journal_rows("new_access_issued")[0]["actor"] == staff
    assert journal_rows("new_access_used")[0]["actor"] == staff


def test_new_access_to_a_new_sign_in_email(staff, django_capture_on_commit_callbacks, mailoutbox):
    user = UserFactory(email="ancienne@example.fr")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    queued = services.lost_credentials_report(user=user, now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.lost_credentials_issue_access(
            report=queued, actor=staff, now=timezone.now(), new_email="Nouvelle@Example.fr"
        )
    user.refresh_from_db()
    assert user.email == "nouvelle@example.fr"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "nouvelle@example.fr"
    ]
    assert mailoutbox[-1].to == ["nouvelle@example.fr"]


def test_new_sign_in_email_taken_or_blocked_is_refused(staff):
    UserFactory(email="prise@example.fr")
    BlocklistEntry.objects.create(kind="domain", value="spam.test", reason="x")
    user = UserFactory(email="victime@example.fr")
    queued = services.lost_credentials_report(user=user, now=timezone.now())
    for email in ["prise@example.fr", "a@spam.test"]:
        with pytest.raises(ValidationError, match=r"adresse|aboutir"):
            services.lost_credentials_issue_access(
                report=queued, actor=staff, now=timezone.now(), new_email=email
            )
    user.refresh_from_db()
    assert user.email == "victime@example.fr"


def test_ordinary_password_reset_does_not_lift_a_suspension():
    user = UserFactory()
    services.lost_credentials_report(user=user, now=timezone.now())
    assert services.lost_credentials_access_restored(user=user, now=timezone.now()) is None
    user.refresh_from_db()
    assert not user.is_active


def test_report_on_an_account_pending_deletion_does_not_stop_its_clock(staff):
    from lifecycle import services as lifecycle_services

    user = UserFactory()
    lifecycle_services.account_deactivate(
        user=user, actor=staff, now=timezone.now(), reason="opco"
    )
    assert services.lost_credentials_report(user=user, now=timezone.now()) is None
    user.refresh_from_db()
    assert user.state == "deactivated"
    assert not LostCredentialsReport.objects.exists()


def test_new_password_does_not_lift_a_suspension_for_another_reason(staff):
    from lifecycle import services as lifecycle_services

    user = UserFactory()
    queued = services.lost_credentials_report(user=user, now=timezone.now())
    services.lost_credentials_issue_access(report=queued, actor=staff, now=timezone.now())
    lifecycle_services.account_suspend(
        user=user, actor=staff, now=timezone.now(), reason="cgu_breach"
    )
    assert services.lost_credentials_access_restored(user=user, now=timezone.now()) is None
    user.refresh_from_db()
    assert (user.state, user.suspension_reason) == ("suspended", "cgu_breach")


def test_sign_in_page_links_to_the_form(client):
    page = client.get(reverse("account_login"))
    assert reverse(URL) in page.text
