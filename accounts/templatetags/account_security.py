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
    is_org_admin = (
        user.is_authenticated and user.memberships.filter(is_administrator=True).exists()
    )
    return {"has_mfa": mfa, "recommend_mfa": is_org_admin and not mfa}
