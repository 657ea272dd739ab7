"""The home page's SAML platforms: one button each, opening it by IdP-initiated sign-in."""

from django import template

from ..saml.selectors import platforms_for_idp_initiated

register = template.Library()


@register.inclusion_tag("platforms/saml/_home_services.html", takes_context=True)
def saml_services(context, user):
    return {
        "platforms": platforms_for_idp_initiated(user=user),
        "csrf_token": context.get("csrf_token"),
    }
