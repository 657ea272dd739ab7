"""Requests to the DPO: legal deadline, extension, answer, reminders, overdue list."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from privacy import services
from privacy.models import DpoRequest
from tests.accounts.factories import UserFactory

from .conftest import journal_rows, paris

pytestmark = pytest.mark.django_db


def make_request(received_at, **extra):
    extra.setdefault("requester_email", "jean@example.fr")
    return services.dpo_request_create(
        kind=DpoRequest.Kind.OBJECTION,
        message="Je m'oppose au traitement.",
        channel=DpoRequest.Channel.EMAIL,
        received_at=received_at,
        now=received_at,
        **extra,
    )


def test_user_sends_a_request_from_the_form_and_the_dpo_is_told(
    client, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.PRIVACY_DPO_EMAIL = "dpo@example.fr"
    user = UserFactory()
    with time_machine.travel(paris(2027, 1, 31, 10, 0), tick=False):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("privacy:dpo_request"),
                {"kind": "restriction", "message": "Limitez l'usage de mon téléphone."},
            )
    assert response.status_code == 302
    request = DpoRequest.objects.get(user=user)
    assert request.kind == "restriction"
    assert request.channel == "form"
    assert request.due_at == paris(2027, 3, 1, 0, 0)  # one month: ends with 28 February
    assert mailoutbox[0].to == ["dpo@example.fr"]
    assert journal_rows("dpo_request_received")[0]["actor"] == user


def test_every_kind_is_offered_on_the_form(client):
    client.force_login(UserFactory())
    page = client.get(reverse("privacy:dpo_request"))
    for label in ["Limitation du traitement", "Opposition", "Accès", "Effacement", "Autre"]:
        assert label in page.text


def test_agent_enters_a_postal_request_in_the_back_office(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:privacy_dporequest_add"),
        {
            "kind": "erasure",
            "channel": "post",
            "requester_name": "Jean Dupont",
            "requester_address": "1 rue de la Paix, 75002 Paris",
            "message": "Effacez mes données.",
            "received_at_0": "10/03/2027",
            "received_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content
    request = DpoRequest.objects.get()
    assert request.created_by == staff
    assert request.due_at == paris(2027, 4, 11, 0, 0)


def test_a_request_without_any_requester_is_refused():
    with pytest.raises(ValidationError):
        services.dpo_request_create(
            kind="other", message="?", now=paris(2027, 1, 1, 0, 0), requester_email=""
        )


def test_extension_needs_a_reason_and_gives_three_months_from_receipt(staff):
    user = UserFactory()
    request = make_request(paris(2027, 1, 31, 10, 0), user=user)
    with pytest.raises(ValidationError):
        services.dpo_request_extend(
            request=request, actor=staff, now=paris(2027, 2, 1, 0, 0), reason=" "
        )
    services.dpo_request_extend(
        request=request, actor=staff, now=paris(2027, 2, 1, 0, 0), reason="Demande complexe"
    )
    request.refresh_from_db()
    assert request.due_at == paris(2027, 5, 1, 0, 0)
    assert request.extension_reason == "Demande complexe"
    assert journal_rows("dpo_request_extended")[0]["actor"] == staff


def test_extending_twice_does_not_move_the_deadline_again(staff):
    request = make_request(paris(2027, 1, 10, 10, 0))
    services.dpo_request_extend(
        request=request, actor=staff, now=paris(2027, 1, 11, 0, 0), reason="a"
    )
    services.dpo_request_extend(
        request=request, actor=staff, now=paris(2027, 1, 12, 0, 0), reason="b"
    )
    request.refresh_from_db()
    assert request.due_at == paris(2027, 4, 11, 0, 0)
    assert request.extension_reason == "a"


def test_answer_closes_the_request_and_tells_the_user(
    staff, django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory()
    request = make_request(paris(2027, 1, 10, 10, 0), user=user)
    with django_capture_on_commit_callbacks(execute=True):
        services.dpo_request_answer(
            request=request, actor=staff, now=paris(2027, 1, 20, 0, 0), answer="C'est fait."
        )
    request.refresh_from_db()
    assert request.status == DpoRequest.Status.ANSWERED
    assert mailoutbox[-1].to == [user.email]
    assert "C'est fait." in mailoutbox[-1].body
    assert journal_rows("dpo_request_answered")[0]["actor"] == staff


def test_agent_extends_through_an_admin_action_with_a_reason(client, staff):
    request = make_request(paris(2027, 1, 10, 10, 0))
    client.force_login(staff)
    url = reverse("admin:privacy_dporequest_changelist")
    form_page = client.post(url, {"action": "extend", "_selected_action": [request.pk]})
    assert "Motif" in form_page.text
    client.post(
        url,
        {"action": "extend", "_selected_action": [request.pk], "apply": "1", "reason": "Complexe"},
    )
    request.refresh_from_db()
    assert request.extended_at is not None


def test_admin_extension_and_answer_are_journaled_once_with_the_agent_as_actor(
    client, staff, django_capture_on_commit_callbacks
):
    user = UserFactory()
    request = make_request(paris(2027, 1, 10, 10, 0), user=user)
    client.force_login(staff)
    url = reverse("admin:privacy_dporequest_changelist")
    for _ in range(2):  # a second extension changes nothing and journals nothing
        client.post(
            url,
            {"action": "extend", "_selected_action": [request.pk], "apply": "1", "reason": "Long"},
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {
                "action": "answer",
                "_selected_action": [request.pk],
                "apply": "1",
                "answer": "Voici la réponse.",
            },
        )
    request.refresh_from_db()
    assert request.status == DpoRequest.Status.ANSWERED
    extended = journal_rows("dpo_request_extended")
    answered = journal_rows("dpo_request_answered")
    assert [(row["user"], row["actor"], row["reason"]) for row in extended] == [
        (user, staff, "Long")
    ]
    assert extended[0]["data"]["request"] == request.pk
    assert [(row["user"], row["actor"]) for row in answered] == [(user, staff)]
    assert answered[0]["data"] == {"request": request.pk}


def test_reminder_goes_to_the_dpo_seven_days_before_not_earlier(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.PRIVACY_DPO_EMAIL = "dpo@example.fr"
    request = make_request(paris(2027, 1, 10, 10, 0))  # due 2027-02-11 00:00 Paris
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dpo_reminders_send(now=paris(2027, 2, 3, 23, 59, 59)) == 0
        assert services.dpo_reminders_send(now=paris(2027, 2, 4, 0, 0)) == 1
        assert services.dpo_reminders_send(now=paris(2027, 2, 5, 0, 0)) == 0
    assert [m.to for m in mailoutbox] == [["dpo@example.fr"]]
    assert "7 jours" in mailoutbox[0].subject
    request.refresh_from_db()
    assert request.reminders_sent == [7]


def test_after_an_outage_due_reminders_go_out_once(django_capture_on_commit_callbacks, mailoutbox):
    make_request(paris(2027, 1, 10, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dpo_reminders_send(now=paris(2027, 2, 10, 12, 0)) == 1
        assert services.dpo_reminders_send(now=paris(2027, 2, 10, 13, 0)) == 0
    assert len(mailoutbox) == 1


def test_answered_requests_get_no_reminder(staff):
    request = make_request(paris(2027, 1, 10, 10, 0))
    services.dpo_request_answer(
        request=request, actor=staff, now=paris(2027, 1, 11, 0, 0), answer="ok"
    )
    assert services.dpo_reminders_send(now=paris(2027, 2, 10, 0, 0)) == 0


def test_overdue_list_shows_only_open_requests_past_their_deadline(client, staff):
    late = make_request(paris(2027, 1, 10, 10, 0), requester_email="late@example.fr")
    make_request(paris(2027, 1, 20, 10, 0), requester_email="intime@example.fr")
    with time_machine.travel(paris(2027, 2, 11, 0, 0) + dt.timedelta(seconds=1), tick=False):
        client.force_login(staff)
        page = client.get(reverse("admin:privacy_dporequest_changelist") + "?echeance=overdue")
    assert late.requester_label == "late@example.fr"
    assert "late@example.fr" in page.text
    assert "intime@example.fr" not in page.text
    assert "privacy-late" in page.text


@pytest.mark.parametrize(("offset", "overdue"), [(-1, False), (0, True)])
def test_a_request_is_overdue_from_its_deadline_not_a_second_before(
    client, staff, offset, overdue
):
    make_request(paris(2027, 1, 10, 10, 0), requester_email="borne@example.fr")  # due 11 Feb 00:00
    with time_machine.travel(paris(2027, 2, 11, 0, 0) + dt.timedelta(seconds=offset), tick=False):
        client.force_login(staff)
        page = client.get(reverse("admin:privacy_dporequest_changelist") + "?echeance=overdue")
    assert ("borne@example.fr" in page.text) is overdue


def test_reminder_task_uses_the_current_time(django_capture_on_commit_callbacks, mailoutbox):
    from privacy.tasks import dpo_reminders_task

    make_request(paris(2027, 1, 10, 10, 0))
    with (
        time_machine.travel(paris(2027, 2, 9, 0, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert dpo_reminders_task() == 1
    assert "2 jours" in mailoutbox[0].subject


def test_a_rolled_back_reminder_run_sends_nothing_and_stays_due(
    django_capture_on_commit_callbacks, mailoutbox
):
    from django.db import transaction

    request = make_request(paris(2027, 1, 10, 10, 0))
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.dpo_reminders_send(now=paris(2027, 2, 4, 0, 0))
        raise RuntimeError("the job's transaction fails")
    assert mailoutbox == []
    request.refresh_from_db()
    assert request.reminders_sent == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dpo_reminders_send(now=paris(2027, 2, 4, 0, 0)) == 1
    assert len(mailoutbox) == 1


def test_a_reminder_survives_a_provider_failure_and_a_rerun_sends_it_once(
    django_capture_on_commit_callbacks, mailoutbox, provider_fails
):
    make_request(paris(2027, 1, 10, 10, 0))
    attempts = provider_fails(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dpo_reminders_send(now=paris(2027, 2, 4, 0, 0)) == 1
        assert services.dpo_reminders_send(now=paris(2027, 2, 4, 1, 0)) == 0
    assert len(attempts) == 2
    assert len(mailoutbox) == 1
