"""Granting and revoking accesses (membership, platform, role).

Invariants enforced here (the database cannot express them):
- an access is only granted on a centralised platform (the others keep their
  own accounts);
- an access is only granted with a role the platform offers (``Platform.roles``,
  data OPCO edits);
- an access is only granted to a member of an organisation whose kind may use the
  platform (``Platform.organisation_kinds``, data OPCO edits): no M-Gestion OF role
  for a company.

A refused grant raises ``django.core.exceptions.ValidationError`` with a French
message and changes nothing. Every change is journaled on the member's account
through ``accounts.hooks.journal``. Both services are idempotent: granting an
access held already, or revoking one that is gone, is a no-op.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import hooks
from accounts.models import Membership, Organisation, User

from .models import Access, Platform, Role
from .ssf import events as ssf_events
from .ssf.services import ssf_events_enqueue, ssf_subjects_record


def access_check(
    *, platform: Platform, role: Role, organisation: Organisation | None = None
) -> None:
    """Raise ``ValidationError`` (French) unless ``role`` may be granted on ``platform``.

    With ``organisation``, also unless the platform is open to organisations of its kind.
    """
    if not platform.is_centralised:
        raise ValidationError(
            _(
                "La plateforme %(platform)s n'est pas gérée par le centre de comptes : "
                "aucune habilitation ne peut y être accordée ici."
            )
            % {"platform": platform.name},
            code="platform_not_centralised",
        )
    if not platform.roles.filter(pk=role.pk).exists():
        raise ValidationError(
            _("Le rôle « %(role)s » n'est pas proposé sur la plateforme %(platform)s.")
            % {"role": role.name, "platform": platform.name},
            code="role_not_offered",
        )
    if organisation is not None and not platform.allows_organisation_kind(organisation.kind):
        raise ValidationError(
            _(
                "La plateforme %(platform)s n'est pas ouverte aux organisations de type "
                "« %(kind)s »."
            )
            % {"platform": platform.name, "kind": organisation.get_kind_display()},
            code="organisation_kind_not_allowed",
        )


@transaction.atomic
def access_grant(
    *,
    membership: Membership,
    platform: Platform,
    role: Role,
    granted_by: User | None,
    now,
) -> Access:
    """Give ``membership`` the role ``role`` on ``platform``.

    Refused (ValidationError, nothing written) when the platform is not
    centralised, does not offer the role, or is not open to the organisation's kind. Returns the existing access when it
    is already held (no journal row then).
    """
    access_check(platform=platform, role=role, organisation=membership.organisation)
    access, created = Access.objects.get_or_create(
        membership=membership,
        platform=platform,
        role=role,
        defaults={"granted_by": granted_by, "granted_at": now},
    )
    if created:
        # The platform keeps hearing about him after this access ends.
        ssf_subjects_record(user_ids=[membership.user_id], platform_id=platform.pk, now=now)
        ssf_events_enqueue(
            event_type=ssf_events.TOKEN_CLAIMS_CHANGE,
            user_ids=[membership.user_id],
            platform_ids=[platform.pk],
            now=now,
        )
        hooks.journal(
            user=membership.user,
            actor=granted_by,
            action="access_granted",
            at=now,
            data={
                "organisation": membership.organisation.siret,
                "platform": platform.code,
                "role": role.code,
            },
        )
    return access


@transaction.atomic
def access_revoke(*, access: Access, revoked_by: User | None, now) -> bool:
    """Delete ``access``; return False (and do nothing) when it was already gone.

    Deletes: the ``Access`` row only. The membership stays.
    """
    membership = access.membership
    # Before the row goes: a platform hears about everyone who held an access.
    ssf_subjects_record(user_ids=[membership.user_id], platform_id=access.platform_id, now=now)
    deleted, _rows = Access.objects.filter(pk=access.pk).delete()
    if not deleted:
        return False
    ssf_events_enqueue(
        event_type=ssf_events.TOKEN_CLAIMS_CHANGE,
        user_ids=[membership.user_id],
        platform_ids=[access.platform_id],
        now=now,
    )
    hooks.journal(
        user=membership.user,
        actor=revoked_by,
        action="access_revoked",
        at=now,
        data={
            "organisation": membership.organisation.siret,
            "platform": access.platform.code,
            "role": access.role.code,
        },
    )
    return True
