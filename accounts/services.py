"""Write operations of the accounts app.

Every service takes keyword-only arguments, runs in one transaction, checks the
current state first and journals what it changed (``accounts.hooks.journal``).
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from . import app_settings, events, hooks
from .emails import email_queue, untrusted_text
from .models import Invitation, JoinRequest, Membership, Organisation, User

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
    invitation: Invitation | None = None,
    now,
) -> Membership | JoinRequest | Invitation:
    """Attach a new account to the organisation of ``siret`` at sign-up.

    - Signed up from ``invitation`` (still valid at ``now``, sent to ``user.email``)
      with its organisation's SIRET: nothing is attached and no join request is
      made; accepting the invitation makes him a member (returns the invitation).
    - Unknown SIRET: the organisation is created and the user becomes its
      Administrateur (he declared being its legal representative or authorised).
    - Known SIRET with no administrator: the user becomes its Administrateur.
    - Known SIRET with an administrator: a pending join request is created for
      that administrator to approve; the user has no membership yet.
    """
    if (
        invitation is not None
        and invitation.is_valid(now=now)
        and invitation.email == user.email.lower()
        and invitation.organisation.siret == siret
    ):
        return invitation
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


# --- Organisation administration ("Mon organisation") --------------------------


def _has_administrator(organisation: Organisation, *, excluding: User | None = None) -> bool:
    admins = organisation.memberships.filter(is_administrator=True)
    if excluding is not None:
        admins = admins.exclude(user=excluding)
    return admins.exists()


def _invitation_email_queue(invitation: Invitation) -> None:
    """Queue the invitation email; it leaves after commit (``accounts.emails``).

    The mail speaks with OPCO's name, so the text others chose (the
    organisation's declared name, the inviter's name) appears only quoted and
    attributed in the body, on one line, shortened, with anything that reads as
    a link or an address defanged; the subject holds none of it. The only link
    is the centre's own.
    """
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "organisation_name": untrusted_text(invitation.organisation.legal_name),
        "inviter_name": untrusted_text(inviter.get_full_name()) if inviter else "",
        "url": settings.SITE_URL.rstrip("/")
        + reverse("accounts:invitation", kwargs={"token": invitation.token}),
        "expires_at": invitation.expires_at,
    }
    subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/email/invitation_message.txt", context)
    email_queue(subject=subject, body=body, to=[invitation.email])


def _invitation_rate_check(*, organisation: Organisation, invited_by: User, now) -> None:
    """Refuse (ValidationError, French) past the per-administrator or per-organisation
    rates (``app_settings.invitation_rates_*``), counted on the invitations already
    created. The organisation row is locked first so parallel requests count in turn."""
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    checks = [
        (
            Invitation.objects.filter(invited_by=invited_by),
            app_settings.invitation_rates_per_administrator(),
        ),
        (
            Invitation.objects.filter(organisation=organisation),
            app_settings.invitation_rates_per_organisation(),
        ),
    ]
    for invitations, rates in checks:
        for limit, window in rates:
            since = now - timedelta(seconds=window)
            if invitations.filter(created_at__gt=since, created_at__lte=now).count() >= limit:
                raise ValidationError(
                    _(
                        "Trop d'invitations envoyées en peu de temps (%(limit)d au plus en "
                        "%(window)s). Réessayez plus tard."
                    )
                    % {"limit": limit, "window": _window_label(window)},
                    code="invitation_rate_limited",
                )


def _window_label(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return _("24 heures") if days == 1 else _("%(n)d jours") % {"n": days}
    if seconds % 3600 == 0:
        return _("%(n)d heure(s)") % {"n": seconds // 3600}
    if seconds % 60 == 0:
        return _("%(n)d minute(s)") % {"n": seconds // 60}
    return _("%(n)d secondes") % {"n": seconds}


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    invited_by: User,
    is_administrator: bool = False,
    now,
) -> Invitation:
    """Invite ``email`` to join ``organisation``; the link is valid ``invitation_days()``.

    Refused (ValidationError, French) when the address already belongs to a
    member, or past the invitation rates per administrator and per organisation
    (per minute and per day, settings). A new invitation to the same address replaces any pending one (the
    old link stops working). Side effect: the email goes out after commit.
    """
    email = User.objects.normalize_email(email).strip().lower()
    _invitation_rate_check(organisation=organisation, invited_by=invited_by, now=now)
    if organisation.memberships.filter(user__email=email).exists():
        raise ValidationError(
            _("%(email)s est déjà membre de cette organisation.") % {"email": email},
            code="already_member",
        )
    Invitation.objects.filter(
        organisation=organisation, email=email, accepted_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        invited_by=invited_by,
        is_administrator=is_administrator,
        created_at=now,
        expires_at=now + timedelta(days=app_settings.invitation_days()),
    )
    hooks.journal(
        user=invited_by,
        actor=invited_by,
        action="invitation_sent",
        at=now,
        # The journal row is the inviter's: it refers to the invitee by the
        # invitation, never by address (it would outlive his account's deletion).
        data={"organisation": organisation.siret, "invitation": invitation.pk},
    )
    _invitation_email_queue(invitation)
    return invitation


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, actor: User, now) -> bool:
    """Make a pending invitation's link stop working; False when it was not pending."""
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    if updated:
        hooks.journal(
            user=actor,
            actor=actor,
            action="invitation_cancelled",
            at=now,
            data={"organisation": invitation.organisation.siret, "invitation": invitation.pk},
        )
    return bool(updated)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, now) -> Membership:
    """``user`` accepts ``invitation`` and joins its organisation.

    Refused (ValidationError, French, nothing changed) when the link was used,
    has expired, or was sent to another address than ``user.email``.
    The new member is an Administrateur when the invitation says so, or when
    the organisation has no administrator left (it must never be unmanaged).
    A pending join request of the user to that organisation is approved with it.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("Cette invitation a déjà été utilisée."), code="used")
    if now >= invitation.expires_at:
        raise ValidationError(_("Cette invitation a expiré."), code="expired")
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _(
                "Cette invitation a été envoyée à une autre adresse e-mail. "
                "Connectez-vous avec le compte de %(email)s."
            )
            % {"email": invitation.email},
            code="wrong_user",
        )
    organisation = invitation.organisation
    make_admin = invitation.is_administrator or not _has_administrator(organisation)
    membership = membership_create(
        user=user,
        organisation=organisation,
        is_administrator=make_admin,
        invited_by=invitation.invited_by,
        now=now,
    )
    if make_admin and not membership.is_administrator:
        membership.is_administrator = True
        membership.save(update_fields=["is_administrator"])
        _sync_admin_permission(membership)
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    JoinRequest.objects.filter(
        user=user, organisation=organisation, status=JoinRequest.Status.PENDING
    ).update(status=JoinRequest.Status.APPROVED, decided_at=now, decided_by=invitation.invited_by)
    hooks.journal(
        user=user,
        actor=user,
        action="invitation_accepted",
        at=now,
        data={"organisation": organisation.siret, "administrator": membership.is_administrator},
    )
    return membership


@transaction.atomic
def join_request_approve(*, join_request: JoinRequest, actor: User, now) -> Membership | None:
    """Approve a pending join request: the user becomes a member (not administrator).

    No-op (returns None) when the request is no longer pending.
    """
    updated = JoinRequest.objects.filter(
        pk=join_request.pk, status=JoinRequest.Status.PENDING
    ).update(status=JoinRequest.Status.APPROVED, decided_at=now, decided_by=actor)
    if not updated:
        return None
    hooks.journal(
        user=join_request.user,
        actor=actor,
        action="join_request_approved",
        at=now,
        data={"organisation": join_request.organisation.siret},
    )
    return membership_create(
        user=join_request.user,
        organisation=join_request.organisation,
        is_administrator=False,
        is_legal_representative=join_request.is_legal_representative,
        invited_by=actor,
        now=now,
    )


@transaction.atomic
def join_request_refuse(*, join_request: JoinRequest, actor: User, now) -> bool:
    """Refuse a pending join request; False (no-op) when it is no longer pending."""
    updated = JoinRequest.objects.filter(
        pk=join_request.pk, status=JoinRequest.Status.PENDING
    ).update(status=JoinRequest.Status.REFUSED, decided_at=now, decided_by=actor)
    if updated:
        hooks.journal(
            user=join_request.user,
            actor=actor,
            action="join_request_refused",
            at=now,
            data={"organisation": join_request.organisation.siret},
        )
    return bool(updated)


@transaction.atomic
def membership_permission_sync(*, membership: Membership) -> None:
    """Give or take ``accounts.manage_organisation`` to match ``is_administrator``.

    For writes that do not go through these services (the back-office form).
    """
    _sync_admin_permission(membership)


@transaction.atomic
def membership_remove(
    *, membership: Membership, actor: User | None, now, force: bool = False
) -> bool:
    """End ``membership``: the user leaves the organisation.

    Deletes: the membership, every access it holds (by cascade) and the
    guardian permission to administer the organisation. The account itself
    stays; ``accounts.events.membership_ended`` tells the apps above, with the
    platforms where those accesses were (lifecycle deactivates an account left
    with no membership; the platforms hear that the person's roles changed). Refused (ValidationError,
    French) when it would leave other members without an administrator,
    unless ``force`` (OPCO staff in the back-office). No-op (False) when the membership is already gone.
    """
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "organisation")
        .filter(pk=membership.pk)
        .first()
    )
    if membership is None:
        return False
    organisation, user = membership.organisation, membership.user
    others = organisation.memberships.exclude(pk=membership.pk)
    if (
        not force
        and membership.is_administrator
        and others.exists()
        and not others.filter(is_administrator=True).exists()
    ):
        raise ValidationError(
            _(
                "%(name)s est le dernier administrateur de l'organisation : "
                "désignez un autre administrateur avant de le retirer."
            )
            % {"name": user.get_full_name() or user.email},
            code="last_administrator",
        )
    remove_perm(MANAGE_PERM, user, organisation)
    accesses = list(membership.accesses.values_list("platform_id", "platform__code", "role__code"))
    membership.delete()
    hooks.journal(
        user=user,
        actor=actor,
        action="membership_removed",
        at=now,
        data={
            "organisation": organisation.siret,
            "accesses": [[platform, role] for _id, platform, role in accesses],
        },
    )
    events.membership_ended.send(
        sender=Membership,
        user=user,
        organisation=organisation,
        actor=actor,
        now=now,
        platform_ids=sorted({platform_id for platform_id, _code, _role in accesses}),
    )
    return True
