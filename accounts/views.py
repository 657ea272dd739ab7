"""Views of the accounts app: the signed-in user's home, "Mon organisation", invitations.

Every "Mon organisation" URL carries the organisation id and answers 404 unless
the signed-in user holds guardian's ``accounts.manage_organisation`` on that
organisation (``selectors.organisation_for_admin``); objects inside it (members,
accesses, requests, invitations) are looked up within it, so another
organisation's ids also give 404. Views parse input, call one service, render.
"""

from functools import wraps
from urllib.parse import urlencode

from allauth.account import views as allauth_views
from allauth.mfa import app_settings as mfa_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from platforms import services as platform_services

from . import app_settings, invitation_session, security, selectors, services, sessions
from .forms import AccessGrantForm, InvitationForm, SignupForm
from .identifiers import normalise, validate_siret
from .models import Invitation, JoinRequest


def login(request, *args, **kwargs):
    """allauth's sign-in view in one transaction, the new session row included.

    A password sign-in writes the last login with the activity, the user session,
    maybe a journal row, and the session row; on PostgreSQL each commit is a
    disk flush, so they commit once. Throttle and MFA unchanged.
    """
    with transaction.atomic():
        response = allauth_views.login(request, *args, **kwargs)
        sessions.session_save_now(request)
    return response


class SignupView(allauth_views.SignupView):
    """allauth's sign-up, prefilled from the invitation the visitor follows.

    The invited address and the organisation's SIRET are filled in (both stay
    editable); the form carries the invitation so that the notice under the
    SIRET says "invited", and the sign-up makes no join request for it
    (``services.signup_organisation_attach``).
    """

    def _invitation(self):
        if not hasattr(self, "_followed"):
            self._followed = invitation_session.invitation_followed(
                self.request, now=timezone.now()
            )
        return self._followed

    def get_initial(self) -> dict:
        initial = super().get_initial()
        invitation = self._invitation()
        if invitation is not None:
            initial.update(email=invitation.email, siret=invitation.organisation.siret)
        return initial

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.invitation = self._invitation()
        return form


signup = SignupView.as_view()


@login_required
def home(request):
    """The signed-in user's page: one state per organisation (``home_organisation_states``).

    "Mon organisation" opens the organisation's page itself when there is only one.
    """
    states = selectors.home_organisation_states(user=request.user, now=timezone.now())
    administered = list(selectors.organisations_administered(user=request.user)[:2])
    org_url = (
        reverse("accounts:org_detail", kwargs={"organisation_pk": administered[0].pk})
        if len(administered) == 1
        else reverse("accounts:org_list")
    )
    return render(
        request,
        "accounts/home.html",
        {**states, "administers": bool(administered), "organisation_url": org_url},
    )


@login_required
def staff_mfa(request):
    """Why OPCO staff need a second factor, and the way to set one up.

    ``StaffMFARequiredMiddleware`` sends a staff account without one here first (the CGU
    gate waits until it is done). With a second factor already, on to the back-office.
    """
    if security.has_mfa(request.user):
        return redirect("admin:index" if request.user.is_staff else "mfa_index")
    return render(
        request, "accounts/staff_mfa.html", {"MFA_SUPPORTED_TYPES": mfa_settings.SUPPORTED_TYPES}
    )


def org_admin_view(view):
    """Sign-in required, then ``organisation`` resolved for an administrator or 404."""

    @login_required
    @wraps(view)
    def wrapper(request, organisation_pk, **kwargs):
        organisation = selectors.organisation_for_admin(
            user=request.user, organisation_pk=organisation_pk
        )
        return view(request, organisation, **kwargs)

    return wrapper


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def organisation_list(request):
    """The organisations the user administers; with exactly one, straight to its page."""
    organisations = list(selectors.organisations_administered(user=request.user)[:2])
    if len(organisations) == 1:
        return redirect("accounts:org_detail", organisation_pk=organisations[0].pk)
    organisations = selectors.organisations_administered(user=request.user)
    return render(request, "accounts/org/list.html", {"organisations": organisations})


MEMBERS_PER_PAGE = 50


def _detail_context(request, organisation, *, invite_form=None):
    now = timezone.now()
    members = Paginator(
        selectors.organisation_members(organisation=organisation), MEMBERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return {
        "organisation": organisation,
        "members": members,
        "join_requests": selectors.organisation_join_requests(organisation=organisation),
        "invitations": selectors.organisation_invitations(organisation=organisation, now=now),
        "invite_form": invite_form or InvitationForm(),
        "invitation_days": app_settings.invitation_days(),
    }


@org_admin_view
def organisation_detail(request, organisation):
    return render(request, "accounts/org/detail.html", _detail_context(request, organisation))


@require_POST
@org_admin_view
def organisation_invite(request, organisation):
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                is_administrator=form.cleaned_data["is_administrator"],
                invited_by=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("accounts:org_detail", organisation_pk=organisation.pk)
    messages.error(request, _("L'invitation n'a pas été envoyée : corrigez le formulaire."))
    context = _detail_context(request, organisation, invite_form=form)
    return render(request, "accounts/org/detail.html", context, status=400)


@require_POST
@org_admin_view
def invitation_cancel(request, organisation, invitation_pk):
    invitation = get_object_or_404(Invitation, pk=invitation_pk, organisation=organisation)
    if services.invitation_cancel(invitation=invitation, actor=request.user, now=timezone.now()):
        messages.success(
            request, _("L'invitation à %(email)s est annulée.") % {"email": invitation.email}
        )
    return redirect("accounts:org_detail", organisation_pk=organisation.pk)


def _member_page(request, organisation, membership, *, form=None, status=200):
    offers = selectors.grantable_offers(membership=membership)
    return render(
        request,
        "accounts/org/member.html",
        {
            "organisation": organisation,
            "membership": membership,
            "member": membership.user,
            "grant_form": form or AccessGrantForm(offers=offers),
        },
        status=status,
    )


@org_admin_view
def member_detail(request, organisation, user_pk):
    membership = selectors.organisation_member(organisation=organisation, user_pk=user_pk)
    return _member_page(request, organisation, membership)


@require_POST
@org_admin_view
def access_grant(request, organisation, user_pk):
    membership = selectors.organisation_member(organisation=organisation, user_pk=user_pk)
    form = AccessGrantForm(request.POST, offers=selectors.grantable_offers())
    if form.is_valid():
        platform, role = form.cleaned_data["offer"]
        try:
            platform_services.access_grant(
                membership=membership,
                platform=platform,
                role=role,
                granted_by=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error("offer", exc)
        else:
            messages.success(
                request,
                _("Habilitation accordée : %(platform)s — %(role)s.")
                % {"platform": platform.name, "role": role.name},
            )
            return redirect(
                "accounts:org_member", organisation_pk=organisation.pk, user_pk=user_pk
            )
    messages.error(
        request,
        _("Habilitation refusée : %(errors)s")
        % {"errors": " ".join(form.errors.get("offer", []))},
    )
    return _member_page(request, organisation, membership, form=form, status=400)


@require_POST
@org_admin_view
def access_revoke(request, organisation, user_pk, access_pk):
    membership = selectors.organisation_member(organisation=organisation, user_pk=user_pk)
    access = next((a for a in membership.accesses.all() if a.pk == access_pk), None)
    if access is None:
        raise Http404
    platform_services.access_revoke(access=access, revoked_by=request.user, now=timezone.now())
    messages.success(
        request,
        _("Habilitation retirée : %(platform)s — %(role)s.")
        % {"platform": access.platform.name, "role": access.role.name},
    )
    return redirect("accounts:org_member", organisation_pk=organisation.pk, user_pk=user_pk)


@require_http_methods(["GET", "POST"])
@org_admin_view
def member_remove(request, organisation, user_pk):
    membership = selectors.organisation_member(organisation=organisation, user_pk=user_pk)
    if request.method == "POST":
        try:
            services.membership_remove(
                membership=membership, actor=request.user, now=timezone.now()
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect(
                "accounts:org_member", organisation_pk=organisation.pk, user_pk=user_pk
            )
        messages.success(
            request,
            _("%(name)s ne fait plus partie de l'organisation ; ses habilitations sont retirées.")
            % {"name": membership.user.get_full_name() or membership.user.email},
        )
        if membership.user_id == request.user.pk:
            return redirect("home")
        return redirect("accounts:org_detail", organisation_pk=organisation.pk)
    return render(
        request,
        "accounts/org/member_remove.html",
        {"organisation": organisation, "membership": membership, "member": membership.user},
    )


@require_POST
@org_admin_view
def join_request_approve(request, organisation, request_pk):
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user"), pk=request_pk, organisation=organisation
    )
    if services.join_request_approve(
        join_request=join_request, actor=request.user, now=timezone.now()
    ):
        messages.success(
            request,
            _("%(name)s a rejoint l'organisation.")
            % {"name": join_request.user.get_full_name() or join_request.user.email},
        )
    return redirect("accounts:org_detail", organisation_pk=organisation.pk)


@require_POST
@org_admin_view
def join_request_refuse(request, organisation, request_pk):
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user"), pk=request_pk, organisation=organisation
    )
    if services.join_request_refuse(
        join_request=join_request, actor=request.user, now=timezone.now()
    ):
        messages.success(
            request,
            _("La demande de %(name)s est refusée.")
            % {"name": join_request.user.get_full_name() or join_request.user.email},
        )
    return redirect("accounts:org_detail", organisation_pk=organisation.pk)


# --- Invitation link --------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The link of an invitation email.

    Unknown, used or expired links get a French page saying so (404/410).
    Anonymous visitors are offered to sign in or to create their account (the
    sign-up form is prefilled); the invitation is remembered in the session
    (``accounts.invitation_session``) so they come back here after sign-in or
    email verification; it is also shown on their home page once signed in.
    A signed-in user with the invited address joins by confirming (POST) and
    lands on the organisation: its page when he administers it, else his home
    page, which shows its card (``#organisation-<id>``) and his accesses.
    """
    now = timezone.now()
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by").filter(token=token).first()
    )
    context = {"invitation": invitation}
    if invitation is None:
        context["problem"] = "unknown"
        return render(request, "accounts/invitation_invalid.html", context, status=404)
    if invitation.accepted_at is not None:
        context["problem"] = "used"
        return render(request, "accounts/invitation_invalid.html", context, status=410)
    if now >= invitation.expires_at:
        context["problem"] = "expired"
        return render(request, "accounts/invitation_invalid.html", context, status=410)
    if not request.user.is_authenticated:
        invitation_session.invitation_remember(request, invitation=invitation)
        here = urlencode({"next": request.get_full_path()})
        context.update(
            login_url=f"{reverse('account_login')}?{here}",
            signup_url=f"{reverse('account_signup')}?{here}",
        )
        return render(request, "accounts/invitation.html", context)
    if request.user.email.lower() != invitation.email.lower():
        context["problem"] = "wrong_user"
        return render(request, "accounts/invitation_invalid.html", context, status=403)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(
                invitation=invitation, user=request.user, now=now
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return HttpResponseRedirect(request.path)
        invitation_session.invitation_forget(request)
        messages.success(
            request,
            _("Vous avez rejoint %(organisation)s.")
            % {"organisation": invitation.organisation.legal_name},
        )
        if membership.is_administrator:
            return redirect("accounts:org_detail", organisation_pk=membership.organisation_id)
        # Home at its top, not at the card's anchor: until the cookie choice is made,
        # the sticky banner would cover a card scrolled to the top of the window.
        return redirect("home")
    return render(request, "accounts/invitation.html", context)


@require_http_methods(["GET"])
def signup_siret_check(request):
    """JSON for the sign-up form: the join notice once a valid SIRET is typed.

    ``{"notice": "..."}`` (empty when the SIRET is new or invalid); when it is the
    SIRET of the invitation the visitor follows, the invitation's notice and
    ``"invited": true`` (the form then hides the kind and name fields). Throttled per
    client IP (``ACCOUNTS_SIRET_CHECK_PER_MINUTE``): past it the notice is empty
    and the form says so at submit instead.
    """
    key = f"accounts:siret-check:{security.client_ip(request)}"
    cache.add(key, 0, timeout=60)
    if cache.incr(key) > app_settings.siret_check_per_minute():
        return JsonResponse({"notice": ""}, status=429)
    siret = normalise(request.GET.get("siret", ""))
    try:
        validate_siret(siret)
    except ValidationError:
        return JsonResponse({"notice": ""})
    invitation = invitation_session.invitation_followed(request, now=timezone.now())
    if invitation is not None and invitation.organisation.siret == siret:
        return JsonResponse({"notice": SignupForm.invitation_notice(invitation), "invited": True})
    joins = selectors.signup_joins_existing(siret=siret)
    return JsonResponse({"notice": str(SignupForm.JOIN_NOTICE) if joins else ""})
