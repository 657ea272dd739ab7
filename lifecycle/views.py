"""The organisation administrator's lifecycle pages ("Mon organisation").

An organisation's Administrateur may deactivate a member only when every
membership of that member is in an organisation he administers (DOMAIN.md);
otherwise he is told to remove the member from his organisation instead.
Objects of another organisation answer 404. Every change is a POST (CSRF).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors as account_selectors
from accounts.models import Organisation, User
from accounts.security import safe_next

from . import selectors, services
from .models import DeactivationReason


def _administered(request, organisation_pk: int, user_pk: int):
    """(organisation, member) when the requester administers it and the member belongs.

    Administering is the rule of every "Mon organisation" page: guardian's
    ``accounts.manage_organisation`` on the organisation (else 404).
    """
    organisation = account_selectors.organisation_for_admin(
        user=request.user, organisation_pk=organisation_pk
    )
    member = get_object_or_404(User, pk=user_pk, memberships__organisation=organisation)
    return organisation, member


def _next_url(request) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), "home")


@login_required
@require_http_methods(["GET", "POST"])
def org_member_deactivate(request, organisation_pk: int, user_pk: int):
    organisation, member = _administered(request, organisation_pk, user_pk)
    problem = selectors.org_deactivation_problem(admin=request.user, user=member)
    if request.method == "POST" and problem is None:
        services.account_deactivate(
            user=member,
            actor=request.user,
            now=timezone.now(),
            reason=DeactivationReason.ORG_ADMIN,
        )
        messages.success(
            request, _("Compte désactivé : %(name)s.") % {"name": member.get_full_name()}
        )
        return redirect(_back_url(request, organisation))
    return TemplateResponse(
        request,
        "lifecycle/org_member_confirm.html",
        {
            "operation": "deactivate",
            "organisation": organisation,
            "member": member,
            "problem": problem,
            "popin": selectors.needs_popin(user=member),
            "deletion_date": selectors.deletion_date_if_deactivated(now=timezone.now()),
            "next": _back_url(request, organisation),
        },
        status=200 if problem is None else 403,
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_member_reactivate(request, organisation_pk: int, user_pk: int):
    organisation, member = _administered(request, organisation_pk, user_pk)
    problem = selectors.org_reactivation_problem(admin=request.user, user=member)
    if request.method == "POST" and problem is None:
        services.account_reactivate(user=member, actor=request.user, now=timezone.now())
        messages.success(
            request, _("Compte réactivé : %(name)s.") % {"name": member.get_full_name()}
        )
        return redirect(_back_url(request, organisation))
    return TemplateResponse(
        request,
        "lifecycle/org_member_confirm.html",
        {
            "operation": "reactivate",
            "organisation": organisation,
            "member": member,
            "problem": problem,
            "next": _back_url(request, organisation),
        },
        status=200 if problem is None else 403,
    )


def _back_url(request, organisation: Organisation) -> str:
    """Where to go after (or instead of) the change: a safe ``next``, else the organisation page."""
    target = _next_url(request)
    if target == "home":
        return reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    return target
