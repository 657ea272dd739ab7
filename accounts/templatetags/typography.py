"""French dates on pages: ``{% load typography %}``, then ``{{ value|date_fr:"j F Y" }}``."""

from django import template
from django.template.defaultfilters import date

from accounts.typography import first_of_the_month

register = template.Library()


@register.filter(expects_localtime=True)
def date_fr(value, arg=None):
    """Django's ``date`` filter, with "1er" for the first of the month ("1er décembre 2026")."""
    return first_of_the_month(date(value, arg))
