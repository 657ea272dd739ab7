"""My data: the page, the JSON export built by the exporter registry, rectification."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import JoinRequest
from legal.models import CGUAcceptance, ConsentRecord
from lifecycle.journal import journal_write
from privacy import exporters, services
from privacy.models import ClosureRequest, DpoRequest
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.legal.factories import CGUVersionFactory

from .conftest import journal_rows
from .test_proof import PDF, grant, upload

pytestmark = pytest.mark.django_db


def download(client, user) -> tuple[dict, str]:
    client.force_login(user)
    response = client.get(reverse("privacy:my_data_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment")
    return json.loads(response.content), response.content.decode()


def give_data(user, staff, tag: str):
    """One datum per app for ``user``, each marked with ``tag`` where text is free."""
    user.phone = f"06{tag}"
    user.save(update_fields=["phone"])
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    membership = MembershipFactory(
        user=user, organisation=OrganisationFactory(legal_name=f"Org {tag}")
    )
    grant(membership, 1)
    JoinRequest.objects.create(
        user=user, organisation=OrganisationFactory(legal_name=f"Join {tag}")
    )
    UserSession.objects.create(
        user=user, ip="192.0.2.1", session_key=f"s{tag}", user_agent=f"UA {tag}"
    )
    Authenticator.objects.create(user=user, type="totp", data={"secret": f"SECRET{tag}"})
    ClosureRequest.objects.create(user=user, reason=f"closure {tag}")
    services.dpo_request_create(kind="access", message=f"dpo {tag}", user=user, now=timezone.now())
    proof = services.proof_request_create(
        user=user,
        organisation=membership.organisation,
        actor=staff,
        now=timezone.now(),
        message=f"proof {tag}",
    )
    return membership, proof


def test_export_holds_a_datum_of_every_app_and_nothing_of_another_user(client, staff):
    user = UserFactory(email="moi@example.fr")
    other = UserFactory(email="autre@example.fr")
    give_data(user, staff, "MINE")
    _m, other_proof = give_data(other, staff, "THEIRS")
    # the other user uploads a proof, and invites "me" nowhere: nothing of it may leak
    client.force_login(other)
    upload(client, other_proof, "theirs.pdf", PDF)
    mine_proof = user.proof_requests.get()
    client.force_login(user)
    upload(client, mine_proof, "mine.pdf", PDF)

    _data, text = download(client, user)
    keys = {s["key"] for s in exporters.build_export(user=user, now=timezone.now())["sections"]}
    assert {
        "profile",
        "emails",
        "organisations",
        "join_requests",
        "sessions",
        "mfa",
        "sso_grants",
        "closure_requests",
        "dpo_requests",
        "proofs",
    } <= keys
    for datum in [
        "06MINE",
        "moi@example.fr",
        "Org MINE",
        "Join MINE",
        "UA MINE",
        "TOTP",
        "closure MINE",
        "dpo MINE",
        "proof MINE",
        "mine.pdf",
    ]:
        assert datum in text, datum
    for leak in ["THEIRS", "autre@example.fr", "theirs.pdf", "agent@opcomobilites.fr"]:
        assert leak not in text, leak
    # secrets stay secret
    assert "SECRETMINE" not in text
    assert user.password not in text


def test_lifecycle_and_legal_data_are_exported_once_those_apps_hold_any(client, staff):
    """Every project model with an owning user link ends up in the export (generic exporter)."""
    user = UserFactory()
    keys = {s["key"] for s in exporters.build_export(user=user, now=timezone.now())["sections"]}
    covered = set()
    for exporter in exporters.exporters():
        covered.update(exporter.models)
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models():
        if model._meta.app_label not in exporters.PROJECT_APPS or model._meta.proxy:
            continue
        if model is user_model or not exporters._owner_fields(model):
            continue
        assert model._meta.label in covered or model._meta.label_lower in keys, model


def test_journal_rows_are_exported_when_lifecycle_keeps_a_journal(client, staff):
    user, other = UserFactory(), UserFactory()
    journal_write(
        user=user, actor=staff, action="mine_action", at=timezone.now(), reason="", data={}
    )
    journal_write(
        user=other, actor=staff, action="their_action", at=timezone.now(), reason="", data={}
    )
    _data, text = download(client, user)
    assert "mine_action" in text
    assert "their_action" not in text


def test_my_data_page_shows_the_sections_and_links(client):
    user = UserFactory(phone="0612345678")
    client.force_login(user)
    page = client.get(reverse("privacy:my_data"))
    assert page.status_code == 200
    assert "0612345678" in page.text
    assert reverse("privacy:my_data_export") in page.text
    assert reverse("account_email") in page.text
    assert reverse("privacy:dpo_request") in page.text


def test_my_data_requires_sign_in(client):
    assert client.get(reverse("privacy:my_data_export")).status_code == 302


def test_user_rectifies_his_profile(client):
    user = UserFactory(first_name="Camile")
    client.force_login(user)
    response = client.post(
        reverse("privacy:profile_edit"),
        {"first_name": "Camille", "last_name": "Martin", "phone": ""},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == "Camille"
    row = journal_rows("profile_rectified")[0]
    assert row["actor"] == user and "first_name" in row["data"]["fields"]


def test_profile_form_refuses_an_empty_name(client):
    user = UserFactory(first_name="Camille")
    client.force_login(user)
    response = client.post(
        reverse("privacy:profile_edit"), {"first_name": "", "last_name": "X", "phone": ""}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.first_name == "Camille"


def test_dpo_request_of_another_user_is_not_in_my_export(client):
    other = UserFactory()
    DpoRequest.objects.create(
        kind="other", user=other, message="secret d'autrui", due_at=timezone.now()
    )
    _data, text = download(client, UserFactory())
    assert "secret d'autrui" not in text


def test_export_query_count_does_not_grow_with_the_data(client, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_for(n):
        user = UserFactory()
        for _ in range(n):
            membership = MembershipFactory(user=user)
            grant(membership, 2)
            ClosureRequest.objects.create(user=user, status="withdrawn")
        with CaptureQueriesContext(connection) as queries:
            exporters.build_export(user=user, now=timezone.now())
        return len(queries)

    assert count_for(1) == count_for(4)


def test_cgu_acceptances_and_cookie_choices_are_exported(client):
    """legal's data reaches the export through the generic exporter."""
    version = CGUVersionFactory()
    me, other = UserFactory(), UserFactory()
    for user, tag in [(me, "MINE"), (other, "THEIRS")]:
        CGUAcceptance.objects.create(
            user=user,
            version=version,
            version_hash="0" * 64,
            accepted_at=timezone.now(),
            ip_address="192.0.2.7",
            user_agent=f"UA-CGU-{tag}",
            context=CGUAcceptance.Context.values[0],
        )
        ConsentRecord.objects.create(
            user=user,
            categories={"audience": True},
            notice_version=f"N-{tag}",
            recorded_at=timezone.now(),
        )
    _data, text = download(client, me)
    assert "UA-CGU-MINE" in text and "N-MINE" in text
    assert "THEIRS" not in text
    assert other.email not in text


def test_an_app_contributes_an_exporter_through_its_personal_data_module(client, monkeypatch):
    import sys
    import types

    module = types.ModuleType("platforms.personal_data")
    module.EXPORTERS = [("platform_prefs", "Préférences", lambda user: {"owner": user.pk})]
    module.EXPORTED_MODELS = ()
    monkeypatch.setitem(sys.modules, "platforms.personal_data", module)
    user = UserFactory()
    data, _text = download(client, user)
    assert data["Rubriques"]["Préférences"] == {"Owner": str(user.pk)}
