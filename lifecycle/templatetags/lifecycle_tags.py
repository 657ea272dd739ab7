"""Template tags for other apps' pages ("Mon organisation" member lists).

``{% lifecycle_member_controls organisation member %}`` renders the
"Désactiver"/"Réactiver" control for a member. For an account with an access
to M-Gestion or M-Contributions, "Désactiver" opens a dated pop-in (a <dialog>
opened by static/js/lifecycle-popin.js); without JavaScript the link leads to
the confirmation page, which states the same date.

A control is offered only when the action would be allowed by
``selectors.org_deactivation_problem`` / ``org_reactivation_problem`` as far
as the member's own row tells (no query per member): never "Désactiver" on
the viewer's own row or on an OPCO agent, never "Réactiver" on a suspended
account or one OPCO deactivated. Both controls carry ``next`` = the current
page so the administrator comes back to it.
"""

from django import template
from django.utils import timezone

from accounts.models import AccountState, DeactivationReason

from .. import selectors

register = template.Library()

#: Deactivation reasons an organisation administrator may undo (selectors.org_reactivation_problem).
ORG_REVERSIBLE_REASONS = (DeactivationReason.ORG_ADMIN, DeactivationReason.INACTIVITY)


@register.inclusion_tag("lifecycle/includes/member_controls.html", takes_context=True)
def lifecycle_member_controls(context, organisation, member):
    request = context.get("request")
    viewer = getattr(request, "user", None)
    is_self = viewer is not None and viewer.pk == member.pk
    state = member.state
    can_deactivate = (
        state in (AccountState.ACTIVE, AccountState.WARNED) and not is_self and not member.is_staff
    )
    return {
        "organisation": organisation,
        "member": member,
        "request": request,
        "next": request.get_full_path() if request is not None else "",
        "suspended": state == AccountState.SUSPENDED,
        "can_deactivate": can_deactivate,
        "can_reactivate": state == AccountState.WARNED
        or (
            state == AccountState.DEACTIVATED
            and member.deactivation_reason in ORG_REVERSIBLE_REASONS
        ),
        "popin": can_deactivate and selectors.needs_popin(user=member),
        "deletion_date": selectors.deletion_date_if_deactivated(now=timezone.now()),
        "days": selectors.app_settings.notice_days(),
    }


@register.simple_tag
def lifecycle_back_office_counts():
    """Counts for the back-office home page (next 7 days, overdue, review, undelivered)."""
    return selectors.back_office_counts(now=timezone.now())
