"""Deleting an account for good, and the map of how each table is erased.

Every model with a foreign key (or one-to-one) to the user model says what the
deletion does to its rows, either with a class attribute ``ERASURE`` or, for
models this project does not own (or the skeleton's), in ``THIRD_PARTY_ERASURE``:

- ``"cascade"``: the rows are deleted with the user by the foreign key;
- ``"delete"``: the deletion service deletes them explicitly (a model may also
  define a classmethod ``erase_for_users(*, user_ids)`` to remove files too);
- ``"set_null"``: the link is a third party's (``granted_by``...) and is nulled;
  the row holds no other personal data of the deleted user.

``tests/lifecycle/test_erasure.py`` fails for a model that declares nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from allauth.idp.oidc.models import Client
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from guardian.models import GroupObjectPermission, UserObjectPermission

from accounts.models import AccountState, Invitation, User
from platforms.ssf import events as ssf_events
from platforms.ssf.services import ssf_events_enqueue

from .access import access_revoke_for
from .bulk import ErasureCollector
from .errors import TransitionNotAllowed
from .models import Tombstone

logger = logging.getLogger(__name__)

ERASURE_MODES = ("cascade", "delete", "set_null")

# Models this app does not own. Keys are ``app_label.ModelName`` (lower case).
THIRD_PARTY_ERASURE: dict[str, str] = {
    # Django
    "admin.logentry": "cascade",  # his own actions; entries ABOUT him: deleted below
    # allauth
    "account.emailaddress": "cascade",
    "mfa.authenticator": "cascade",
    "usersessions.usersession": "delete",  # with the Django session it names
    "allauth_idp_oidc.token": "delete",  # platforms.sessions.revoke_all
    "allauth_idp_oidc.client": "set_null",  # a Client is deleted with its owner: unlink first
    # django-guardian (generic tables; direct-FK tables declare their own)
    "guardian.userobjectpermission": "cascade",
    # the skeleton's models (accounts, platforms)
    "accounts.membership": "cascade",  # accesses follow the membership
    "accounts.invitation": "set_null",  # invitations TO his email: deleted below
    "accounts.joinrequest": "cascade",
    "accounts.organisationuserobjectpermission": "cascade",
    "platforms.access": "set_null",  # granted_by; his own accesses go with memberships
}


def user_links(model) -> list[models.Field]:
    """The concrete FK/O2O fields of ``model`` that point to the user model."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    return [
        field
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False)
        and field.is_relation
        and (field.many_to_one or field.one_to_one)
        and field.related_model is user_model
    ]


def erasure_mode(model) -> str | None:
    """What deleting a user does to ``model``'s rows (None: undeclared)."""
    declared = model.__dict__.get("ERASURE")
    if declared is None:
        for base in model.__mro__[1:]:
            if getattr(base, "_meta", None) is not None and not base._meta.abstract:
                break
            declared = base.__dict__.get("ERASURE")
            if declared is not None:
                break
    if declared is None:
        declared = THIRD_PARTY_ERASURE.get(model._meta.label_lower)
    return declared


def erasure_plan() -> list[tuple[type[models.Model], str, list[models.Field]]]:
    """Every model linked to the user, with its mode and its user links."""
    plan = []
    for model in apps.get_models():
        if model._meta.auto_created or model._meta.proxy:
            continue
        links = user_links(model)
        if links and model._meta.label_lower != settings.AUTH_USER_MODEL.lower():
            plan.append((model, erasure_mode(model), links))
    return plan


#: What the deletion reads of each account (and checks it is deactivated).
ROW_FIELDS = (
    "pk",
    "email",
    "state",
    "deactivation_reason",
    "state_changed_at",
    "notice_sent_at",
    "notice_failed_at",
)


def owned_models() -> list[tuple[type[models.Model], tuple[str, ...], type[models.Model] | None]]:
    """The models whose rows belong to a user and go with him: (model, links, parent).

    Models with a cascading (or explicitly deleted) link to the user (``links``
    names those fields, ``parent`` is None), and the models that cascade from
    those one level down (an access from a membership: ``links`` is its field
    to the parent). Static: no query.
    """
    found = []
    seen = set()
    for model, mode, links in erasure_plan():
        cascading = tuple(
            field.name
            for field in links
            if mode == "delete" or field.remote_field.on_delete is models.CASCADE
        )
        if cascading:
            found.append((model, cascading, None))
            seen.add(model)
    for parent, _links, _none in list(found):
        for relation in parent._meta.related_objects:
            child = relation.related_model
            if (
                relation.one_to_many
                and relation.on_delete is models.CASCADE
                and child not in seen
                and not child._meta.auto_created
            ):
                found.append((child, (relation.field.name,), parent))
                seen.add(child)
    return found


def owned_querysets(
    user_ids: list[int], *, among: set | None = None
) -> list[tuple[type[models.Model], models.QuerySet]]:
    """Rows that belong to ``user_ids`` and go with them, per model (``owned_models``).

    ``among`` narrows to some of those models (their parents' rows are still
    read through a subquery). The admin log names such rows: those entries go too.
    """
    plan = owned_models()

    def rows_of(model, links, parent):
        if parent is None:
            condition = Q()
            for name in links:
                condition |= Q(**{f"{name}__in": user_ids})
            return model._base_manager.filter(condition)
        parent_links = next(entry[1] for entry in plan if entry[0] is parent)
        return model._base_manager.filter(
            **{f"{links[0]}__in": rows_of(parent, parent_links, None).values("pk")}
        )

    return [
        (model, rows_of(model, links, parent))
        for model, links, parent in plan
        if among is None or model in among
    ]


def _admin_log_about_owned_rows(user_ids: list[int]) -> None:
    """Delete admin log entries about rows the accounts own.

    One query finds which of the owned models the admin log names at all (an
    index probe per kind of row on ``(content_type_id, object_id)``), then one
    DELETE per kind it does: a chunk of deletions does not pay for the twenty
    kinds of rows no agent ever edited.
    """
    types = ContentType.objects.get_for_models(
        *[model for model, _links, _parent in owned_models()]
    )
    logged = set(
        ContentType.objects.filter(pk__in=[t.pk for t in types.values()])
        .filter(Exists(LogEntry.objects.filter(content_type_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    among = {model for model, content_type in types.items() if content_type.pk in logged}
    if not among:
        return
    for model, rows in owned_querysets(user_ids, among=among):
        if isinstance(
            model._meta.pk, (models.AutoField, models.BigAutoField, models.IntegerField)
        ):
            object_ids = rows.annotate(_log_pk=Cast("pk", TextField())).values("_log_pk")
        else:  # a UUID is stored differently by each database: compare Python's text
            object_ids = [str(pk) for pk in rows.values_list("pk", flat=True)]
        LogEntry.objects.filter(content_type=types[model], object_id__in=object_ids).delete()


def _delete_rows_about(*, user_ids: list[int], emails: list[str]) -> None:
    """Delete rows that name the accounts without a foreign key to them."""
    user_type = ContentType.objects.get_for_model(User)
    object_pks = [str(pk) for pk in user_ids]
    LogEntry.objects.filter(content_type=user_type, object_id__in=object_pks).delete()
    _admin_log_about_owned_rows(user_ids)
    UserObjectPermission.objects.filter(content_type=user_type, object_pk__in=object_pks).delete()
    GroupObjectPermission.objects.filter(content_type=user_type, object_pk__in=object_pks).delete()
    # Addresses are stored lower-cased on both sides: the plain index serves this.
    Invitation.objects.filter(email__in=[email.lower() for email in emails]).delete()
    Client.objects.filter(owner_id__in=user_ids).update(owner=None)


def _delete_declared(user_ids: list[int]) -> None:
    """Rows of models declaring ``"delete"`` (with their ``erase_for_users`` if any)."""
    for model, mode, links in erasure_plan():
        if mode != "delete":
            continue
        eraser = getattr(model, "erase_for_users", None)
        if eraser is not None:
            eraser(user_ids=user_ids)
            continue
        condition = Q()
        for field in links:
            condition |= Q(**{f"{field.name}__in": user_ids})
        model._base_manager.filter(condition).delete()


def accounts_delete(*, rows: Iterable[dict], now, actor: User | None = None) -> list[Tombstone]:
    """Delete a set of deactivated accounts, locked by the caller, in its transaction.

    ``rows`` are the accounts' ``ROW_FIELDS`` as read under lock. Deletes, for
    all of them at once (a number of queries that does not depend on how many):
    the ``User`` rows and, through them or explicitly, their email addresses,
    memberships and accesses, join requests, sessions (Django and allauth
    usersessions), OIDC tokens and codes, platform logins (the platforms are
    told), MFA authenticators, guardian permissions (theirs, and user- and
    group-object permissions on their user objects), admin log entries they
    made and those about them or about any row they own (memberships,
    accesses...), invitations sent to their emails, lifecycle notices and
    journal rows about them, uploaded documents (files removed by
    ``privacy.signals``), and the rows of every model declaring ``"delete"``.
    Nulls: third parties' links to them (``granted_by``, ``invited_by``,
    journal ``actor``, an OIDC client's ``owner``). Leaves: one ``Tombstone``
    each (random id, reason, dates). Raises ``TransitionNotAllowed`` (nothing
    deleted) if one of them is not deactivated.
    """
    rows = list(rows)
    if not rows:
        return []
    if any(row["state"] != AccountState.DEACTIVATED for row in rows):
        raise TransitionNotAllowed("Only a deactivated account can be deleted.")
    user_ids = [row["pk"] for row in rows]
    tombstones = Tombstone.objects.bulk_create(
        [
            Tombstone(
                reason=row["deactivation_reason"],
                deactivated_at=row["state_changed_at"],
                notice_sent_at=row["notice_sent_at"],
                notice_delivered=row["notice_failed_at"] is None,
                deleted_at=now,
            )
            for row in rows
        ]
    )
    # Before anything is deleted: who may hear about them is read from their
    # accesses and logins. The event names only each one's ``sub`` (no email).
    ssf_events_enqueue(event_type=ssf_events.ACCOUNT_PURGED, user_ids=user_ids, now=now)
    access_revoke_for(user_ids=user_ids)
    _delete_rows_about(user_ids=user_ids, emails=[row["email"] for row in rows])
    _delete_declared(user_ids)
    users = User.objects.filter(pk__in=user_ids)
    collector = ErasureCollector(using=users.db, origin=users)
    collector.collect(users)
    collector.delete()
    logger.info(
        "accounts deleted",
        extra={"count": len(rows), "by": actor and "agent"},
    )
    return tombstones


@transaction.atomic
def account_delete(*, user: User, now, actor: User | None = None) -> Tombstone:
    """Delete one deactivated account and every personal datum about him.

    Locks the row, then ``accounts_delete`` for him alone (see there for what
    goes). Raises ``TransitionNotAllowed`` unless the account is deactivated.
    """
    row = User.objects.select_for_update().filter(pk=user.pk).values(*ROW_FIELDS).get()
    (tombstone,) = accounts_delete(rows=[row], now=now, actor=actor)
    return tombstone
