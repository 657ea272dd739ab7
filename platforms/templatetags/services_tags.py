"""The home page's "Mes services en ligne": every platform, one list (``online_services``)."""

from django import template

from ..online_services import online_services as select_online_services

register = template.Library()


@register.inclusion_tag("platforms/_online_services.html", takes_context=True)
def online_services(context, user):
    return {
        "services": select_online_services(user=user),
        "user": user,
        "csrf_token": context.get("csrf_token"),
    }
