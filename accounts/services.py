"""Write operations of the accounts app.

Every service takes keyword-only arguments, runs in one transaction, checks the
current state first and journals what it changed (``accounts.hooks.journal``).
"""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from . import hooks
from .models import JoinRequest, Membership, Organisation, User

MANAGE_PERM = "accounts.manage_organisation"


def _sync_admin_permission(membership: Membership) -> None:
    """Keep the guardian permission in step with ``membership.is_administrator``."""
    if membership.is_administrator:
        assign_perm(MANAGE_PERM, membership.user, membership.organisation)
    else:
        remove_perm(MANAGE_PERM, membership.user, membership.organisation)


@transaction.atomic
def membership_create(
    *,
    user: User,
    organisation: Organisation,
    is_administrator: bool,
    is_legal_representative: bool = False,
    invited_by: User | None = None,
    now,
) -> Membership:
    """Attach ``user`` to ``organisation``; no-op when he already belongs to it.

    An administrator membership also gets the guardian permission
    ``accounts.manage_organisation`` on the organisation.
    """
    membership, created = Membership.objects.get_or_create(
        user=user,
        organisation=organisation,
        defaults={
            "is_administrator": is_administrator,
            "is_legal_representative": is_legal_representative,
            "invited_by": invited_by,
            "created_at": now,
        },
    )
    if created:
        _sync_admin_permission(membership)
        hooks.journal(
            user=user,
            actor=invited_by or user,
            action="membership_created",
            at=now,
            data={"organisation": organisation.siret, "administrator": is_administrator},
        )
    return membership


@transaction.atomic
def signup_organisation_attach(
    *,
    user: User,
    siret: str,
    kind: str,
    legal_name: str,
    is_legal_representative: bool,
    now,
) -> Membership | JoinRequest:
    """Attach a new account to the organisation of ``siret`` at sign-up.

    - Unknown SIRET: the organisation is created and the user becomes its
      Administrateur (he declared being its legal representative or authorised).
    - Known SIRET with no administrator: the user becomes its Administrateur.
    - Known SIRET with an administrator: a pending join request is created for
      that administrator to approve; the user has no membership yet.
    """
    organisation, _created = Organisation.objects.select_for_update().get_or_create(
        siret=siret,
        defaults={"siren": siret[:9], "kind": kind, "legal_name": legal_name, "created_at": now},
    )
    has_admin = organisation.memberships.filter(is_administrator=True).exists()
    if not has_admin:
        return membership_create(
            user=user,
            organisation=organisation,
            is_administrator=True,
            is_legal_representative=is_legal_representative,
            now=now,
        )
    request, _ = JoinRequest.objects.get_or_create(
        user=user,
        organisation=organisation,
        status=JoinRequest.Status.PENDING,
        defaults={"is_legal_representative": is_legal_representative, "created_at": now},
    )
    return request
