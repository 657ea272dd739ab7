"""Template tags for other apps' pages ("Mon organisation" member lists).

``{% lifecycle_member_controls organisation member %}`` renders the
"Désactiver"/"Réactiver" control for a member. For an account with an access
to M-Gestion or M-Contributions, "Désactiver" opens a dated pop-in (a <dialog>
opened by static/js/lifecycle-popin.js); without JavaScript the link leads to
the confirmation page, which states the same date.
"""

from django import template
from django.utils import timezone

from accounts.models import AccountState

from .. import selectors

register = template.Library()


@register.inclusion_tag("lifecycle/includes/member_controls.html", takes_context=True)
def lifecycle_member_controls(context, organisation, member):
    return {
        "organisation": organisation,
        "member": member,
        "request": context.get("request"),
        "can_deactivate": member.state in (AccountState.ACTIVE, AccountState.WARNED),
        "can_reactivate": member.state in (AccountState.DEACTIVATED, AccountState.WARNED),
        "popin": selectors.needs_popin(user=member),
        "deletion_date": selectors.deletion_date_if_deactivated(now=timezone.now()),
        "days": selectors.app_settings.notice_days(),
    }
