"""Deletion erases every personal datum; every model linked to the user says how."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client, Token
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from guardian.shortcuts import assign_perm

from accounts.models import Invitation, JoinRequest, User
from lifecycle import services
from lifecycle.erasure import ERASURE_MODES, account_delete, erasure_plan
from lifecycle.models import DeactivationReason, Tombstone
from platforms.models import Access, Platform, Role

from .conftest import paris
from .factories import MembershipFactory, OrganisationFactory, UserFactory

NOW = paris(2027, 3, 26, 0, 0)


def test_every_model_linked_to_the_user_declares_its_erasure():
    undeclared = [m._meta.label for m, mode, _links in erasure_plan() if mode is None]
    assert undeclared == [], (
        "Declare ERASURE = 'cascade' | 'delete' | 'set_null' on these models "
        "(or add third-party ones to lifecycle.erasure.THIRD_PARTY_ERASURE)"
    )


def test_erasure_declarations_match_the_foreign_keys():
    for model, mode, links in erasure_plan():
        assert mode in ERASURE_MODES, model
        behaviours = {field.remote_field.on_delete.__name__ for field in links}
        if mode == "cascade":
            assert "CASCADE" in behaviours, model
        if mode == "set_null":
            assert behaviours <= {"SET_NULL", "CASCADE"}, model


def _person():
    """An account with a datum in every table that can hold one."""
    person = UserFactory(
        email="zoe.quaranteneuf@exemple-unique.fr",
        first_name="Zoélie",
        last_name="Quaranteneuf",
        phone="+33612345678",
    )
    colleague = UserFactory()
    organisation = OrganisationFactory()
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    membership = MembershipFactory(user=person, organisation=organisation, is_administrator=True)
    assign_perm("accounts.manage_organisation", person, organisation)
    platform, _ = Platform.objects.get_or_create(
        code="mgestion-entreprise", defaults={"name": "M-Gestion Entreprise"}
    )
    role, _ = Role.objects.get_or_create(code="gestionnaire", defaults={"name": "Gestionnaire"})
    Access.objects.create(membership=membership, platform=platform, role=role, granted_by=person)
    other = MembershipFactory(user=colleague, organisation=organisation, invited_by=person)
    Access.objects.create(membership=other, platform=platform, role=role, granted_by=person)
    JoinRequest.objects.create(user=person, organisation=OrganisationFactory())
    Invitation.objects.create(
        organisation=organisation, email=person.email, expires_at=NOW, invited_by=colleague
    )
    Invitation.objects.create(
        organisation=organisation, email="new@exemple.fr", expires_at=NOW, invited_by=person
    )
    client = Client.objects.create(name="Plateforme", owner=person)
    Authenticator.objects.create(user=person, type=Authenticator.Type.TOTP, data={"secret": "x"})
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.create(
        user=colleague,
        content_type=user_type,
        object_id=str(person.pk),
        object_repr=person.email,
        action_flag=CHANGE,
        change_message="[]",
    )
    LogEntry.objects.create(
        user=person,
        content_type=user_type,
        object_id=str(colleague.pk),
        object_repr=str(colleague),
        action_flag=CHANGE,
        change_message="[]",
    )
    assign_perm("accounts.change_user", colleague, person)
    # A group-object permission on his user object (guardian's generic table).
    from django.contrib.auth.models import Group

    reviewers = Group.objects.create(name="Relecteurs")
    assign_perm("accounts.change_user", reviewers, person)
    # An agent's admin log entries about his membership and his access (other content
    # types than User) name him in object_repr and change_message.
    access = Access.objects.get(membership=membership)
    for obj in (membership, access):
        LogEntry.objects.create(
            user=colleague,
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=CHANGE,
            change_message=json.dumps(
                [{"changed": {"name": "objet", "object": str(obj), "fields": ["role"]}}]
            ),
        )
    # The inviter's journal row about an invitation to his address.
    from accounts.services import invitation_create

    invitation_create(
        organisation=OrganisationFactory(),
        email=person.email.upper(),
        invited_by=colleague,
        now=paris(2025, 1, 1),
    )
    # legal: a CGU version he published (as an agent), his acceptance, his cookie choice.
    import uuid

    from legal import services as legal
    from tests.legal.factories import publish

    version = publish(now=paris(2025, 1, 1), actor=person)
    legal.cgu_accept(
        user=person,
        version=version,
        now=paris(2025, 1, 2),
        ip_address="203.0.113.7",
        user_agent="Firefox Zoélie",
        context="signup",
    )
    legal.consent_record(
        subject_id=uuid.uuid4(),
        user=person,
        audience=True,
        notice_version="1",
        now=paris(2025, 1, 2),
    )
    services.activity_record(user=person, at=paris(2025, 1, 1))
    services.account_deactivate(
        user=colleague, actor=person, now=paris(2027, 3, 1), reason=DeactivationReason.ORG_ADMIN
    )
    services.account_deactivate(
        user=person, actor=None, now=paris(2027, 3, 10), reason=DeactivationReason.INACTIVITY
    )
    # Left over after the deactivation's revocation (e.g. written by a racing request).
    store = SessionStore()
    store["_auth_user_id"] = str(person.pk)
    store.create()
    UserSession.objects.create(
        user=person, ip="203.0.113.7", session_key=store.session_key, user_agent="Firefox"
    )
    Token.objects.create(user=person, type=Token.Type.ACCESS_TOKEN, hash="tok")
    return person, colleague, client, store.session_key


def _rows():
    """Every row of every table, as (table, column, value); JSON columns as their text."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, dict | list):  # PostgreSQL decodes JSON columns
                        value = json.dumps(value, ensure_ascii=False)
                    yield table, column, value


def _user_fk_columns():
    user_table = User._meta.db_table
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            relations = connection.introspection.get_relations(cursor, table)
            for column, (_target_column, target_table) in relations.items():
                if target_table == user_table:
                    yield table, column


@pytest.mark.django_db(transaction=True)
def test_deletion_leaves_no_personal_datum_in_any_table():
    person, _colleague, _client, session_key = _person()
    pk, email = person.pk, person.email
    needles = [email, "Zoélie", "Quaranteneuf", "+33612345678", "203.0.113.7", "exemple-unique"]

    def found():
        return {
            table
            for table, _column, value in _rows()
            if isinstance(value, str) and any(n.lower() in value.lower() for n in needles)
        }

    assert {
        "accounts_user",
        "account_emailaddress",
        "usersessions_usersession",
        "legal_cguacceptance",
        "django_admin_log",
        "accounts_invitation",
    } <= found()
    from guardian.models import GroupObjectPermission

    user_type = ContentType.objects.get_for_model(User)
    assert GroupObjectPermission.objects.filter(content_type=user_type, object_pk=str(pk))
    account_delete(user=person, now=NOW)
    assert found() == set()
    fk_hits = []
    with connection.cursor() as cursor:
        for table, column in _user_fk_columns():
            cursor.execute(
                f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                f"WHERE {connection.ops.quote_name(column)} = %s",
                [pk],
            )
            if cursor.fetchone()[0]:
                fk_hits.append((table, column))
    assert fk_hits == []
    assert not LogEntry.objects.filter(content_type=user_type, object_id=str(pk)).exists()
    assert not GroupObjectPermission.objects.filter(
        content_type=user_type, object_pk=str(pk)
    ).exists()
    from guardian.models import UserObjectPermission

    assert not UserObjectPermission.objects.filter(
        content_type=user_type, object_pk=str(pk)
    ).exists()
    for session in Session.objects.all():
        assert session.get_decoded().get("_auth_user_id") != str(pk)
    assert not Session.objects.filter(session_key=session_key).exists()


@pytest.mark.django_db(transaction=True)
def test_deletion_keeps_third_parties_data_and_an_anonymous_tombstone():
    person, colleague, client, _key = _person()
    account_delete(user=person, now=NOW)
    assert User.objects.filter(pk=colleague.pk).exists()
    assert Client.objects.filter(pk=client.pk, owner=None).exists()
    assert Access.objects.filter(membership__user=colleague, granted_by=None).exists()
    assert colleague.journal_entries.filter(action="deactivated", actor=None).exists()
    assert Invitation.objects.filter(email="new@exemple.fr", invited_by=None).exists()
    tombstone = Tombstone.objects.get()
    assert tombstone.reason == DeactivationReason.INACTIVITY
    assert tombstone.deactivated_at == paris(2027, 3, 10)
    assert tombstone.deleted_at == NOW
    assert str(tombstone.id) != str(person.pk)


@pytest.mark.django_db
def test_only_a_deactivated_account_can_be_deleted():
    user = UserFactory()
    with pytest.raises(services.TransitionNotAllowed):
        account_delete(user=user, now=NOW)
    assert User.objects.filter(pk=user.pk).exists()
