"""``{% security_panel %}``: the account-security card of the user's home page.

Links to MFA, active sessions ("sign out everywhere") and password change;
recommends MFA to organisation administrators who have none yet.
"""

from django import template

from accounts.security import has_mfa

register = template.Library()


@register.inclusion_tag("accounts/_security_panel.html", takes_context=True)
def security_panel(context):
    user = context["request"].user
    mfa = has_mfa(user)
    # The home page has listed every membership of the user already
    # (``selectors.user_memberships``): read them again, not the database.
    memberships = context.get("memberships")
    if memberships is None:
        memberships = (
            user.memberships.filter(is_administrator=True) if user.is_authenticated else []
        )
    is_org_admin = user.is_authenticated and any(m.is_administrator for m in memberships)
    return {"has_mfa": mfa, "recommend_mfa": is_org_admin and not mfa}
