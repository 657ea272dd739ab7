"""Views of the privacy app: thin (parse, one service call, render).

Every view checks who may see the object: a user reaches only his own requests
and documents (404 otherwise); OPCO staff reach proofs through the admin and
the document view; a user leaves only an organisation he belongs to (404
otherwise). An organisation administrator removes a member in "Mon
organisation" (``accounts:org_member_remove``), not here.
"""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as accounts_services
from accounts.models import AccountState, Membership
from accounts.security import client_ip

from . import app_settings, exporters, ratelimit, selectors, services
from .forms import (
    ClosureRequestForm,
    DpoRequestForm,
    LostCredentialsForm,
    LostCredentialsSignedInForm,
    ProfileForm,
    ProofUploadForm,
)
from .models import ClosureRequest, ProofDocument, ProofRequest, ReportOrigin
from .tasks import lost_credentials_report_task


@login_required
def my_data(request):
    now = timezone.now()
    export = exporters.build_export(user=request.user, now=now)
    return render(
        request,
        "privacy/my_data.html",
        {
            "export": export,
            "export_sections": exporters.for_display(export),
            "closure": selectors.pending_closure_request(user=request.user),
            "closure_form": ClosureRequestForm(),
            "memberships": Membership.objects.filter(user=request.user).select_related(
                "organisation"
            ),
            "proofs": selectors.user_proof_requests(user=request.user),
            "dpo_requests": request.user.dpo_requests.order_by("-received_at"),
            "closure_days": app_settings.closure_highlight_days(),
        },
    )


@login_required
def my_data_export(request):
    now = timezone.now()
    export = exporters.build_export(user=request.user, now=now)
    response = HttpResponse(
        json.dumps(
            exporters.for_download(export, user=request.user), ensure_ascii=False, indent=2
        ),
        content_type="application/json; charset=utf-8",
    )
    filename = f"mes-donnees-{now:%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"first_name": user.first_name, "last_name": user.last_name, "phone": user.phone},
    )
    if request.method == "POST" and form.is_valid():
        services.profile_update(
            user=request.user,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            phone=form.cleaned_data["phone"],
            now=timezone.now(),
        )
        messages.success(request, _("Votre profil a été mis à jour."))
        return redirect("privacy:my_data")
    return render(request, "privacy/profile_form.html", {"form": form})


@login_required
@require_POST
def closure_request_create(request):
    form = ClosureRequestForm(request.POST)
    if form.is_valid():
        services.closure_request_create(
            user=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
        )
        messages.success(
            request,
            _(
                "Votre demande de clôture est enregistrée. Vous pouvez la retirer tant "
                "qu'elle n'a pas été traitée."
            ),
        )
    return redirect("privacy:my_data")


@login_required
@require_POST
def closure_request_withdraw(request, pk: int):
    closure = get_object_or_404(ClosureRequest, pk=pk, user=request.user)
    if closure.status != ClosureRequest.Status.PENDING:
        messages.error(
            request, _("Cette demande a déjà été traitée : elle ne peut plus être retirée.")
        )
    else:
        services.closure_request_withdraw(request=closure, actor=request.user, now=timezone.now())
        messages.success(request, _("Votre demande de clôture est retirée."))
    return redirect("privacy:my_data")


@login_required
@require_http_methods(["GET", "POST"])
def dpo_request_create(request):
    form = DpoRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.dpo_request_create(
            kind=form.cleaned_data["kind"],
            message=form.cleaned_data["message"],
            user=request.user,
            requester_name=request.user.get_full_name(),
            requester_email=request.user.email,
            now=timezone.now(),
        )
        messages.success(
            request,
            _(
                "Votre demande est transmise au délégué à la protection des données. "
                "Une réponse vous sera apportée dans un délai d'un mois."
            ),
        )
        return redirect("privacy:my_data")
    return render(request, "privacy/dpo_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def lost_credentials(request):
    """Lost or stolen credentials.

    Signed in, the owner's report suspends his account at once. Anonymous, the
    answer never depends on whether the email has an account: the lookup runs
    in a task after the response, and it only sends the account's address a
    one-use confirmation link (staff accounts go to the agents' queue). Limited
    per client IP (429) and per reported address (silently: same answer).
    """
    if request.user.is_authenticated:
        return _lost_credentials_signed_in(request)
    form = LostCredentialsForm(request.POST or None)
    if request.method == "POST":
        now_ts = timezone.now().timestamp()
        ip = client_ip(request)
        allowed = ratelimit.hit(
            scope="lost_credentials",
            key=ip,
            rates=app_settings.lost_credentials_rates(),
            now_ts=now_ts,
        )
        if not allowed:
            return render(request, "privacy/lost_credentials_limited.html", status=429)
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            target_allowed = ratelimit.hit(
                scope="lost_credentials_target",
                key=hashlib.sha256(email.encode()).hexdigest(),
                rates=app_settings.lost_credentials_target_rates(),
                now_ts=now_ts,
            )
            if target_allowed:
                lost_credentials_report_task.delay_on_commit(
                    email, form.cleaned_data["message"], ip
                )
            return redirect("privacy:lost_credentials_done")
    return render(request, "privacy/lost_credentials.html", {"form": form})


def _lost_credentials_signed_in(request):
    form = LostCredentialsSignedInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.lost_credentials_report(
            user=request.user,
            now=timezone.now(),
            message=form.cleaned_data["message"],
            origin=ReportOrigin.SIGNED_IN,
            ip=client_ip(request),
        )
        logout(request)
        return redirect("privacy:lost_credentials_suspended")
    return render(request, "privacy/lost_credentials_signed_in.html", {"form": form})


def lost_credentials_done(request):
    return render(request, "privacy/lost_credentials_done.html")


def lost_credentials_suspended(request):
    return render(request, "privacy/lost_credentials_suspended.html")


@require_http_methods(["GET", "POST"])
def lost_credentials_confirm(request, token: str):
    """The emailed link. GET only shows the button (mail scanners follow links);
    the POST of "Oui, suspendre mon compte" suspends."""
    now = timezone.now()
    if request.method == "POST":
        if services.lost_credentials_confirm(token=token, now=now) is not None:
            if request.user.is_authenticated:
                logout(request)
            return redirect("privacy:lost_credentials_suspended")
    elif selectors.lost_credentials_link_valid(token=token, now=now):
        return render(request, "privacy/lost_credentials_confirm.html")
    return render(request, "privacy/lost_credentials_link_invalid.html", status=404)


@login_required
@require_http_methods(["GET", "POST"])
def proof_detail(request, pk: int):
    proof = get_object_or_404(
        ProofRequest.objects.select_related("organisation"), pk=pk, user=request.user
    )
    form = ProofUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and getattr(request, "suspicious_upload_names", None):
        # Django already stripped the path; refuse rather than store under another name.
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", services.INVALID_NAME_MESSAGE)
    elif request.method == "POST" and form.is_valid():
        try:
            services.proof_document_upload(
                request=proof,
                user=request.user,
                uploaded_file=form.cleaned_data["file"],
                now=timezone.now(),
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(
                request, _("Votre justificatif est déposé ; OPCO Mobilités va l'examiner.")
            )
            return redirect("privacy:proof_detail", pk=proof.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "privacy/proof_detail.html",
        {
            "proof": proof,
            "documents": proof.documents.all(),
            "form": form,
            "max_mb": f"{app_settings.proof_max_bytes() / (1024 * 1024):g}",
            "can_upload": proof.status
            in (*ProofRequest.OPEN_STATUSES, ProofRequest.Status.EXPIRED),
        },
        status=status,
    )


@login_required
def proof_document(request, pk):
    """Serve a proof to its owner or to OPCO staff allowed to view proofs; 404 otherwise."""
    document = get_object_or_404(ProofDocument.objects.select_related("request"), pk=pk)
    is_owner = document.request.user_id == request.user.pk
    is_opco = request.user.is_staff and request.user.has_perm("privacy.view_proofdocument")
    if not (is_owner or is_opco):
        raise Http404
    path = services.proof_document_path(document)
    if not path.exists():
        raise Http404
    extension = services.ALLOWED_PROOF_TYPES[document.content_type]
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115  (FileResponse closes it)
        content_type=document.content_type,
        as_attachment=True,
        filename=f"justificatif-{document.pk}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def membership_quit(request, organisation_pk: int):
    """ "Je quitte cette organisation": the user ends his own membership.

    The work is ``accounts.services.membership_remove`` (the same as when an
    organisation administrator removes a member); lifecycle deactivates an
    account left with no membership, which the user is told after re-reading it.
    """
    membership = get_object_or_404(
        Membership.objects.select_related("organisation"),
        user=request.user,
        organisation_id=organisation_pk,
    )
    alone = not Membership.objects.filter(user=request.user).exclude(pk=membership.pk).exists()
    if request.method == "POST":
        try:
            accounts_services.membership_remove(
                membership=membership, actor=request.user, now=timezone.now()
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "last_administrator":
                message = _(
                    "Vous êtes le seul administrateur de %(org)s : désignez d'abord un autre "
                    "administrateur parmi ses membres."
                ) % {"org": membership.organisation.legal_name}
            else:
                message = " ".join(error.messages)
            messages.error(request, message)
            return redirect("privacy:my_data")
        request.user.refresh_from_db(fields=["is_active", "state"])
        if not request.user.is_active or request.user.state == AccountState.DEACTIVATED:
            logout(request)
            messages.info(
                request,
                _(
                    "Vous ne faites plus partie d'aucune organisation : votre compte est "
                    "désactivé et un e-mail vous indique sa date de suppression."
                ),
            )
            return redirect("account_login")
        messages.success(
            request,
            _("Vous ne faites plus partie de %(org)s.")
            % {"org": membership.organisation.legal_name},
        )
        return redirect("home")
    return render(
        request,
        "privacy/membership_end_confirm.html",
        {"membership": membership, "last_membership": alone},
    )
