"""Read queries of the accounts app.

Every list here is fetched in a fixed number of queries, whatever its length
(tests pin the counts).
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from platforms import selectors as platform_selectors
from platforms.models import Access, Platform

from .models import (
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    OrganisationUserObjectPermission,
    User,
)

MANAGE_CODENAME = "manage_organisation"


def _accesses_prefetch() -> Prefetch:
    return Prefetch(
        "accesses",
        queryset=Access.objects.select_related("platform", "role").order_by(
            "platform__position", "role__name"
        ),
    )


def user_memberships(*, user: User) -> QuerySet[Membership]:
    """The user's memberships with organisation and accesses, in a fixed number of queries."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .prefetch_related(_accesses_prefetch())
        .order_by("organisation__legal_name")
    )


def organisations_administered(*, user: User) -> QuerySet[Organisation]:
    """Organisations on which ``user`` holds guardian's ``accounts.manage_organisation``.

    Only the object permission counts: a superuser or a holder of the global
    permission does not administer every organisation here (OPCO staff work in
    the back-office). An inactive or anonymous user administers nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    granted = OrganisationUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        user=user,
        permission__codename=MANAGE_CODENAME,
        permission__content_type__app_label="accounts",
    )
    return Organisation.objects.filter(Exists(granted)).order_by("legal_name")


def organisation_for_admin(*, user: User, organisation_pk: int) -> Organisation:
    """The organisation ``organisation_pk`` if ``user`` administers it, else ``Http404``.

    404 (not 403) so that an administrator of another organisation learns
    nothing about it.
    """
    organisation = organisations_administered(user=user).filter(pk=organisation_pk).first()
    if organisation is None:
        raise Http404
    return organisation


def _member_users_prefetch() -> Prefetch:
    # Each user carries whether his deactivation needs the dated pop-in (read by
    # lifecycle's member controls), so the list costs no query per member.
    flag = {
        platform_selectors.DEACTIVATION_POPIN_FLAG: platform_selectors.deactivation_popin_exists()
    }
    return Prefetch("user", queryset=User.objects.annotate(**flag))


def organisation_members(*, organisation: Organisation) -> QuerySet[Membership]:
    """Members of ``organisation`` with their user and accesses (a fixed number of queries).

    Each user is annotated with ``platforms.selectors.DEACTIVATION_POPIN_FLAG``.
    """
    return (
        Membership.objects.filter(organisation=organisation)
        .prefetch_related(_member_users_prefetch(), _accesses_prefetch())
        .order_by("user__last_name", "user__first_name", "user__email")
    )


def organisation_member(*, organisation: Organisation, user_pk: int) -> Membership:
    """The membership of user ``user_pk`` in ``organisation``, else ``Http404``."""
    membership = organisation_members(organisation=organisation).filter(user_id=user_pk).first()
    if membership is None:
        raise Http404
    return membership


def organisation_join_requests(*, organisation: Organisation) -> QuerySet[JoinRequest]:
    """Pending join requests of ``organisation``, oldest first."""
    return (
        JoinRequest.objects.filter(organisation=organisation, status=JoinRequest.Status.PENDING)
        .select_related("user")
        .order_by("created_at")
    )


def organisation_invitations(*, organisation: Organisation, now) -> QuerySet[Invitation]:
    """Invitations of ``organisation`` still waiting for an answer, newest first."""
    return Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, expires_at__gt=now
    ).order_by("-created_at")


def invitations_for_user(*, user: User, now) -> QuerySet[Invitation]:
    """Valid invitations sent to ``user``'s address (shown on his home page)."""
    return (
        Invitation.objects.filter(
            email=user.email.lower(), accepted_at__isnull=True, expires_at__gt=now
        )
        .exclude(organisation__memberships__user=user)
        .select_related("organisation")
        .order_by("-created_at")
    )


def invitation_valid(*, token: str, now) -> Invitation | None:
    """The invitation of ``token`` if it can still be accepted at ``now`` (one query)."""
    return (
        Invitation.objects.select_related("organisation")
        .filter(token=token, accepted_at__isnull=True, expires_at__gt=now)
        .first()
    )


def home_organisation_states(*, user: User, now) -> dict:
    """What the home page says about the user's organisations: one state per organisation.

    - ``memberships``: the organisations he belongs to (with accesses);
    - ``invitations``: valid invitations to organisations he does not belong to;
    - ``pending_requests``: his pending join requests, except to an organisation
      he belongs to or is invited to (accepting the invitation approves the request);
    - ``none``: True only when all three are empty ("no organisation" is said then only).

    Each organisation appears in one list at most, in that order of precedence.
    """
    memberships = list(user_memberships(user=user))
    invitations = list(invitations_for_user(user=user, now=now))
    shown = {m.organisation_id for m in memberships} | {i.organisation_id for i in invitations}
    pending = [
        request
        for request in user.join_requests.filter(status=JoinRequest.Status.PENDING)
        .select_related("organisation")
        .order_by("created_at")
        if request.organisation_id not in shown
    ]
    return {
        "memberships": memberships,
        "invitations": invitations,
        "pending_requests": pending,
        "none": not (memberships or invitations or pending),
    }


def grantable_offers(*, membership: Membership | None = None) -> list[tuple[Platform, list]]:
    """Centralised platforms with the roles each offers, for the grant form (2 queries).

    With ``membership``, only the platforms open to its organisation's kind
    (``Platform.organisation_kinds``), and the (platform, role) pairs it already holds
    are left out (read from ``membership.accesses.all()``, prefetched by
    ``organisation_member``).
    """
    held = (
        {(a.platform_id, a.role_id) for a in membership.accesses.all()}
        if membership is not None
        else set()
    )
    platforms = Platform.objects.filter(is_centralised=True).prefetch_related("roles")
    if membership is not None:
        kind = membership.organisation.kind
        platforms = [p for p in platforms if p.allows_organisation_kind(kind)]
    return [
        (platform, [role for role in platform.roles.all() if (platform.pk, role.pk) not in held])
        for platform in platforms
    ]


def search_identifier(term: str) -> str | None:
    """The digits of a SIREN (9) or SIRET (14) typed with or without spaces, else None."""
    digits = term.replace(" ", "").replace(".", "")
    if digits.isdigit() and len(digits) in (9, 14):
        return digits
    return None


def organisation_identifier_q(digits: str, prefix: str = "") -> Q:
    """Exact match on SIREN (9 digits) or SIRET (14) through ``prefix`` (indexed columns)."""
    field = "siren" if len(digits) == 9 else "siret"
    return Q(**{f"{prefix}{field}": digits})


def signup_joins_existing(*, siret: str) -> bool:
    """Whether signing up with ``siret`` becomes a join request (see ``signup_organisation_attach``).

    True when the establishment already has an account with an administrator:
    the typed company name and kind are then not used, and the administrator
    decides. One query.
    """
    return Membership.objects.filter(organisation__siret=siret, is_administrator=True).exists()
