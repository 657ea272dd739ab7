"""``{{ session.user_agent|browser_name }}``: "Chrome sur Windows" (accounts.user_agents)."""

from django import template

from accounts.user_agents import describe

register = template.Library()


@register.filter
def browser_name(user_agent) -> str:
    return describe(user_agent)
