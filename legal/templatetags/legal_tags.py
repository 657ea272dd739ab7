"""Template tags of the legal app: footer links, cookie banner, audience script."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .. import app_settings, consent, selectors

register = template.Library()


def _consent(request):
    if request is None:
        return None
    if not hasattr(request, "_legal_consent"):
        request._legal_consent = consent.read(request, now=timezone.now())
    return request._legal_consent


@register.inclusion_tag("legal/_footer_links.html")
def legal_footer():
    return {}


@register.inclusion_tag("legal/_cookie_banner.html", takes_context=True)
def cookie_banner(context):
    """The banner, shown until the visitor makes a (still valid) choice."""
    request = context.get("request")
    show = (
        request is not None
        and _consent(request) is None
        and request.path != reverse("legal:cookies")
    )
    return {
        "show": show,
        "next": request.get_full_path() if request is not None else "/",
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def audience_script(context):
    """The audience-measurement <script>, only when configured and consented to."""
    url = app_settings.audience_script_url()
    current = _consent(context.get("request"))
    if not url or current is None or not current.audience:
        return ""
    return format_html('<script src="{}" defer data-legal-audience></script>', url)


@register.simple_tag
def cgu_in_force():
    return selectors.cgu_in_force(now=timezone.now())
