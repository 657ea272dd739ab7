"""Views of the legal app: legal pages, CGU archive and diff, the re-acceptance gate,
cookie choices. Thin: read through ``selectors``, write through ``services``.
"""

import fnmatch
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.security import safe_next

from . import app_settings, consent, selectors, services
from .forms import CGUAcceptForm, CGUDiffForm, CookieChoiceForm
from .http import client_ip, user_agent
from .models import CGUAcceptance, CGUVersion
from .rendering import paragraph_diff, render_markdown

SSO_AUTHORIZE_URL_NAME = "idp:oidc:authorization"


def _is_sso_authorize(url: str) -> bool:
    try:
        return resolve(urlsplit(url).path).view_name == SSO_AUTHORIZE_URL_NAME
    except Resolver404:
        return False


def _can_preview(user) -> bool:
    return user.is_authenticated and user.is_staff and user.has_perm("legal.view_cguversion")


# --- Legal pages -------------------------------------------------------------


@require_GET
def legal_notice(request):
    return render(
        request,
        "legal/legal_notice.html",
        {
            "site": selectors.site_settings(),
            "platforms": selectors.platforms_for_legal_notice(),
        },
    )


@require_GET
def privacy(request):
    return render(request, "legal/privacy.html", {"site": selectors.site_settings()})


@require_GET
def cgu_current(request):
    version = selectors.cgu_in_force(now=timezone.now())
    return render(
        request,
        "legal/cgu_version.html",
        {"version": version, "html": render_markdown(version.text) if version else ""},
    )


@require_GET
def cgu_archive(request):
    now = timezone.now()
    versions = list(selectors.cgu_published())
    in_force = selectors.cgu_in_force(now=now)
    accepted = (
        selectors.cgu_first_acceptances(user=request.user) if request.user.is_authenticated else {}
    )
    rows = [
        {
            "version": v,
            "in_force": in_force is not None and v.pk == in_force.pk,
            "upcoming": v.effective_at > now,
            "accepted_at": accepted.get(v.pk),
        }
        for v in versions
    ]
    return render(request, "legal/cgu_archive.html", {"rows": rows})


@require_GET
def cgu_version(request, pk: int):
    version = get_object_or_404(CGUVersion, pk=pk)
    if not version.is_published and not _can_preview(request.user):
        raise Http404
    return render(
        request,
        "legal/cgu_version.html",
        {
            "version": version,
            "html": render_markdown(version.text),
            "preview": not version.is_published,
            "is_in_force": version == selectors.cgu_in_force(now=timezone.now()),
        },
    )


@require_GET
def cgu_diff(request):
    versions = list(selectors.cgu_published().order_by("effective_at", "pk"))
    if _can_preview(request.user):
        versions += list(CGUVersion.objects.filter(status=CGUVersion.Status.DRAFT))
    by_pk = {v.pk: v for v in versions}
    rows, old, new = None, None, None
    if "de" in request.GET or "a" in request.GET:
        form = CGUDiffForm(request.GET, versions=versions)
        if form.is_valid():
            old, new = by_pk[form.cleaned_data["de"]], by_pk[form.cleaned_data["a"]]
    else:
        published = [v for v in versions if v.is_published]
        initial = {}
        if len(published) >= 2:
            initial = {"de": published[-2].pk, "a": published[-1].pk}
            old, new = published[-2], published[-1]
        form = CGUDiffForm(initial=initial, versions=versions)
    if old is not None and new is not None:
        rows = paragraph_diff(old.text, new.text)
    return render(
        request,
        "legal/cgu_diff.html",
        {"form": form, "rows": rows, "old": old, "new": new, "enough": len(versions) >= 2},
    )


# --- Re-acceptance gate --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cgu_gate(request):
    """Show the CGU in force to a user who has not accepted it; record his acceptance."""
    now = timezone.now()
    next_url = safe_next(
        request, request.POST.get("next") or request.GET.get("next"), reverse("home")
    )
    version = selectors.cgu_pending_for(user=request.user, now=now)
    if version is None:
        return redirect(next_url)
    form = CGUAcceptForm(initial={"version": version.pk})
    if request.method == "POST":
        form = CGUAcceptForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["version"] != version.pk:
                messages.warning(
                    request,
                    _(
                        "Une nouvelle version vient d'entrer en vigueur : lisez-la avant de l'accepter."
                    ),
                )
                form = CGUAcceptForm(initial={"version": version.pk})
            else:
                context = (
                    CGUAcceptance.Context.SSO
                    if _is_sso_authorize(next_url)
                    else CGUAcceptance.Context.REACCEPTANCE
                )
                try:
                    services.cgu_accept(
                        user=request.user,
                        version=version,
                        now=now,
                        ip_address=client_ip(request),
                        user_agent=user_agent(request),
                        context=context,
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(
                        request, _("Merci, votre acceptation des CGU est enregistrée.")
                    )
                    return redirect(next_url)
    last = selectors.cgu_last_acceptance(user=request.user)
    return render(
        request,
        "legal/cgu_gate.html",
        {
            "version": version,
            "html": render_markdown(version.text),
            "form": form,
            "next": next_url,
            "previous": last.version
            if last is not None and last.version_id != version.pk
            else None,
        },
    )


@login_required
@require_POST
def cgu_decline(request):
    """Refusing the new CGU signs the user out; the next page says how to close the account."""
    now = timezone.now()
    version = selectors.cgu_pending_for(user=request.user, now=now)
    if version is not None:
        services.cgu_decline(user=request.user, version=version, now=now)
    get_adapter(request).logout(request)
    return redirect("legal:cgu_declined")


@require_GET
def cgu_declined(request):
    return render(request, "legal/cgu_declined.html", {"site": selectors.site_settings()})


# --- Cookies -----------------------------------------------------------------------


@require_GET
def cookies(request):
    current = consent.read(request, now=timezone.now())
    return render(
        request,
        "legal/cookies.html",
        {
            "consent": current,
            "necessary_cookies": app_settings.necessary_cookies(),
            "audience_cookies": app_settings.audience_cookies(),
            "audience_enabled": bool(app_settings.audience_script_url()),
            "notice_version": app_settings.cookie_notice_version(),
            "consent_months": app_settings.cookie_consent_months(),
        },
    )


@require_POST
def cookie_choice(request):
    """Record a cookie choice (proof row + consent cookie); works with or without JS."""
    form = CookieChoiceForm(request.POST)
    wants_json = "application/json" in request.headers.get("accept", "")
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"ok": False}, status=400)
        messages.error(request, _("Choix de cookies invalide : rien n'a été modifié."))
        return redirect("legal:cookies")
    now = timezone.now()
    audience = form.audience_accepted()
    choice = consent.Consent(
        subject_id=consent.subject_id(request),
        notice_version=app_settings.cookie_notice_version(),
        chosen_at=now,
        audience=audience,
    )
    services.consent_record(
        subject_id=choice.subject_id,
        user=request.user,
        audience=audience,
        notice_version=choice.notice_version,
        now=now,
    )
    response: HttpResponse
    if wants_json:
        response = JsonResponse(
            {
                "ok": True,
                "audience": audience,
                "audience_src": app_settings.audience_script_url() if audience else "",
            }
        )
    else:
        messages.success(request, _("Vos choix en matière de cookies sont enregistrés."))
        response = redirect(
            safe_next(request, form.cleaned_data.get("next"), reverse("legal:cookies"))
        )
    consent.write(response, choice)
    if not audience:
        patterns = [c["name"] for c in app_settings.audience_cookies()]
        for name in request.COOKIES:
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                response.delete_cookie(name)
    return response
