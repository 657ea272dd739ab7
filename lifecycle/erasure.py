"""Deleting an account for good, and the map of how each table is erased.

Every model with a foreign key (or one-to-one) to the user model says what the
deletion does to its rows, either with a class attribute ``ERASURE`` or, for
models this project does not own (or the skeleton's), in ``THIRD_PARTY_ERASURE``:

- ``"cascade"``: the rows are deleted with the user by the foreign key;
- ``"delete"``: the deletion service deletes them explicitly (a model may also
  define a classmethod ``erase_for_user(*, user)`` to remove files too);
- ``"set_null"``: the link is a third party's (``granted_by``...) and is nulled;
  the row holds no other personal data of the deleted user.

``tests/lifecycle/test_erasure.py`` fails for a model that declares nothing.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q

from accounts.models import AccountState, User
from platforms.ssf import events as ssf_events
from platforms.ssf.services import ssf_events_enqueue

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


def _delete_rows_about(user: User) -> None:
    """Delete rows that name the user without a foreign key to him."""
    from allauth.idp.oidc.models import Client
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from accounts.models import Invitation

    user_type = ContentType.objects.get_for_model(User)
    object_pk = str(user.pk)
    LogEntry.objects.filter(content_type=user_type, object_id=object_pk).delete()
    UserObjectPermission.objects.filter(content_type=user_type, object_pk=object_pk).delete()
    GroupObjectPermission.objects.filter(content_type=user_type, object_pk=object_pk).delete()
    Invitation.objects.filter(email__iexact=user.email).delete()
    Client.objects.filter(owner=user).update(owner=None)


@transaction.atomic
def account_delete(*, user: User, now, actor: User | None = None) -> Tombstone:
    """Delete a deactivated account and every personal datum about him.

    Deletes: the ``User`` row and, through it or explicitly, his email addresses,
    memberships and accesses, join requests, sessions (Django and allauth
    usersessions), OIDC tokens and codes, MFA authenticators, guardian
    permissions (his, and on his user object), admin log entries he made and
    those about him, invitations sent to his email, lifecycle notices and
    journal rows about him, and the rows of every model declaring ``"delete"``.
    Nulls: third parties' links to him (``granted_by``, ``invited_by``,
    journal ``actor``, an OIDC client's ``owner``).
    Leaves: a ``Tombstone`` (random id, reason, dates). Raises
    ``TransitionNotAllowed`` unless the account is deactivated.
    """
    from .services import TransitionNotAllowed, access_revoke

    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.state != AccountState.DEACTIVATED:
        raise TransitionNotAllowed("Only a deactivated account can be deleted.")
    tombstone = Tombstone.objects.create(
        reason=locked.deactivation_reason,
        deactivated_at=locked.state_changed_at,
        notice_sent_at=locked.notice_sent_at,
        notice_delivered=locked.notice_failed_at is None,
        deleted_at=now,
    )
    # Before anything is deleted: who may hear about him is read from his
    # accesses and logins. The event names only his ``sub`` (no email).
    ssf_events_enqueue(event_type=ssf_events.ACCOUNT_PURGED, user_ids=[locked.pk], now=now)
    access_revoke(user=locked)
    _delete_rows_about(locked)
    for model, mode, links in erasure_plan():
        if mode != "delete":
            continue
        eraser = getattr(model, "erase_for_user", None)
        if eraser is not None:
            eraser(user=locked)
            continue
        condition = Q()
        for field in links:
            condition |= Q(**{field.name: locked})
        model._base_manager.filter(condition).delete()
    locked.delete()
    logger.info(
        "account deleted",
        extra={
            "tombstone": str(tombstone.id),
            "reason": tombstone.reason,
            "by": actor and "agent",
        },
    )
    return tombstone
