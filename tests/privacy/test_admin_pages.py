"""Every back-office page of the privacy app renders for an OPCO agent."""

import pytest
from django.urls import reverse
from django.utils import timezone

from privacy import services
from privacy.models import BlocklistEntry, ClosureRequest
from tests.accounts.factories import MembershipFactory, UserFactory

from .test_proof import PDF, upload

pytestmark = pytest.mark.django_db


def test_changelists_and_change_pages_render(client, staff):
    membership = MembershipFactory()
    user = membership.user
    closure = ClosureRequest.objects.create(user=user)
    dpo = services.dpo_request_create(kind="other", message="m", user=user, now=timezone.now())
    report = services.lost_credentials_report(user=UserFactory(), now=timezone.now())
    proof = services.proof_request_create(
        user=user, organisation=membership.organisation, actor=staff, now=timezone.now()
    )
    client.force_login(user)
    upload(client, proof, "kbis.pdf", PDF)
    entry = BlocklistEntry.objects.create(kind="email", value="x@example.fr", reason="r")
    client.force_login(staff)
    pages = [
        ("closurerequest", closure.pk),
        ("dporequest", dpo.pk),
        ("lostcredentialsreport", report.pk),
        ("proofrequest", proof.pk),
        ("blocklistentry", entry.pk),
        ("accountsuspension", user.pk),
    ]
    for model, pk in pages:
        assert client.get(reverse(f"admin:privacy_{model}_changelist")).status_code == 200, model
        page = client.get(reverse(f"admin:privacy_{model}_change", args=[pk]))
        assert page.status_code == 200, model
    proof_page = client.get(reverse("admin:privacy_proofrequest_change", args=[proof.pk]))
    assert "kbis.pdf" in proof_page.text
    for model in ["dporequest", "proofrequest", "blocklistentry"]:
        assert client.get(reverse(f"admin:privacy_{model}_add")).status_code == 200, model


def test_an_opco_agent_of_the_group_works_the_queues(client):
    from django.contrib.auth.models import Group

    agent = UserFactory(is_staff=True)
    agent.groups.add(Group.objects.get(name="Agent OPCO"))
    user = UserFactory()
    closure = ClosureRequest.objects.create(user=user)
    client.force_login(agent)
    for model in [
        "closurerequest",
        "dporequest",
        "lostcredentialsreport",
        "proofrequest",
        "blocklistentry",
        "accountsuspension",
    ]:
        assert client.get(reverse(f"admin:privacy_{model}_changelist")).status_code == 200, model
    client.post(
        reverse("admin:privacy_closurerequest_changelist"),
        {"action": "process", "_selected_action": [closure.pk]},
    )
    user.refresh_from_db()
    assert user.deactivation_reason == "closure_request"


def test_a_staff_member_without_the_permission_cannot_fetch_a_proof(client, staff):
    membership = MembershipFactory()
    proof = services.proof_request_create(
        user=membership.user, organisation=membership.organisation, actor=staff, now=timezone.now()
    )
    client.force_login(membership.user)
    upload(client, proof, "kbis.pdf", PDF)
    document = proof.documents.get()
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("privacy:proof_document", args=[document.pk])).status_code == 404
