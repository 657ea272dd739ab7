"""Write operations of the privacy app.

Every service takes keyword-only arguments and an aware ``now``, runs in one
transaction, checks the current state first (no-op when already in the target
state) and journals what it changed with its actor (``accounts.hooks.journal``).
Account transitions (deactivation, suspension, lifting) go through the
lifecycle contract (``lifecycle.services``); emails leave after commit.
Ending a membership (end of authority) is not here: the user's "Je quitte
cette organisation" calls ``accounts.services.membership_remove``, and
lifecycle deactivates an account left with no membership.
"""

import datetime as dt
import hashlib
import os
import secrets
import unicodedata
from pathlib import Path

import filetype
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import blocklist as accounts_blocklist
from accounts import hooks
from accounts.models import Membership, Organisation, User
from lifecycle import calendar as lifecycle_calendar
from lifecycle import services as lifecycle_services
from lifecycle.models import AccountState, DeactivationReason, SuspensionReason
from platforms.models import Access, Platform, Role
from platforms.sessions import revoke_all
from platforms.ssf import events as ssf_events
from platforms.ssf.services import ssf_events_enqueue

from . import app_settings, calendar, emails
from .models import (
    ClosureRequest,
    DpoRequest,
    LostCredentialsConfirmation,
    LostCredentialsReport,
    ProofDocument,
    ProofRequest,
    ReportOrigin,
)

REASON_CLOSURE_REQUEST = DeactivationReason.CLOSURE_REQUEST
SUSPENSION_LOST_CREDENTIALS = SuspensionReason.LOST_CREDENTIALS


def _lifecycle():
    return lifecycle_services


# --- Closure requests -------------------------------------------------------


@transaction.atomic
def closure_request_create(*, user: User, reason: str = "", now) -> ClosureRequest:
    """Record the user's request to close his account; returns the pending one if any."""
    existing = ClosureRequest.objects.filter(user=user, status=ClosureRequest.Status.PENDING)
    if request := existing.first():
        return request
    request = ClosureRequest.objects.create(user=user, reason=reason.strip(), created_at=now)
    hooks.journal(user=user, actor=user, action="closure_requested", at=now, reason=reason)
    emails.send_on_commit("closure_received", to=[user.email], context={"user": user})
    return request


@transaction.atomic
def closure_request_withdraw(*, request: ClosureRequest, actor: User, now) -> ClosureRequest:
    """Withdraw a pending request (the user changed his mind before processing)."""
    request = ClosureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ClosureRequest.Status.PENDING:
        return request
    request.status = ClosureRequest.Status.WITHDRAWN
    request.closed_at = now
    request.save(update_fields=["status", "closed_at"])
    hooks.journal(user=request.user, actor=actor, action="closure_withdrawn", at=now)
    return request


@transaction.atomic
def closure_request_process(*, request: ClosureRequest, actor: User, now) -> ClosureRequest:
    """Process a pending request: the account is deactivated on path a.

    Side effects: lifecycle ``account_deactivate(reason=closure_request)`` (sessions
    and tokens revoked, notice with the deletion date sent by lifecycle).
    """
    request = ClosureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ClosureRequest.Status.PENDING:
        return request
    request.status = ClosureRequest.Status.PROCESSED
    request.closed_at = now
    request.processed_by = actor
    request.save(update_fields=["status", "closed_at", "processed_by"])
    hooks.journal(user=request.user, actor=actor, action="closure_processed", at=now)
    _lifecycle().account_deactivate(
        user=request.user, actor=actor, now=now, reason=REASON_CLOSURE_REQUEST
    )
    return request


# --- DPO requests -------------------------------------------------------------


@transaction.atomic
def dpo_request_create(
    *,
    kind: str,
    message: str,
    now,
    user: User | None = None,
    channel: str = DpoRequest.Channel.FORM,
    requester_name: str = "",
    requester_email: str = "",
    requester_address: str = "",
    received_at=None,
    created_by: User | None = None,
) -> DpoRequest:
    """Record a request to the DPO; its deadline is one month after receipt.

    ``received_at`` (default ``now``) is when the email or letter arrived; the
    DPO mailbox is told of requests made through the form.
    """
    received_at = received_at or now
    if user is None and not (requester_email or requester_address):
        raise ValidationError(_("Indiquez le compte, l'e-mail ou l'adresse du demandeur."))
    request = DpoRequest.objects.create(
        kind=kind,
        channel=channel,
        user=user,
        requester_name=requester_name,
        requester_email=requester_email,
        requester_address=requester_address,
        message=message,
        received_at=received_at,
        due_at=calendar.months_deadline(received_at, 1),
        created_by=created_by,
    )
    if user is not None:
        hooks.journal(
            user=user,
            actor=created_by or user,
            action="dpo_request_received",
            at=now,
            data={"kind": kind, "channel": channel, "request": request.pk},
        )
    if channel == DpoRequest.Channel.FORM:
        emails.send_on_commit(
            "dpo_new_request", to=[app_settings.dpo_email()], context={"request": request}
        )
    return request


@transaction.atomic
def dpo_request_extend(*, request: DpoRequest, actor: User, now, reason: str) -> DpoRequest:
    """Extend the deadline by two months (three after receipt); a reason is required."""
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif de la prolongation."))
    request = DpoRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != DpoRequest.Status.OPEN:
        raise ValidationError(_("Cette demande a déjà reçu une réponse."))
    if request.extended_at is not None:
        return request
    request.extended_at = now
    request.extension_reason = reason.strip()
    request.due_at = calendar.months_deadline(request.received_at, 3)
    request.save(update_fields=["extended_at", "extension_reason", "due_at"])
    if request.user_id:
        hooks.journal(
            user=request.user,
            actor=actor,
            action="dpo_request_extended",
            at=now,
            reason=reason,
            data={"request": request.pk, "due_at": request.due_at.isoformat()},
        )
    return request


@transaction.atomic
def dpo_request_answer(*, request: DpoRequest, actor: User, now, answer: str) -> DpoRequest:
    """Record the answer and close the request."""
    if not answer.strip():
        raise ValidationError(_("La réponse ne peut pas être vide."))
    request = DpoRequest.objects.select_for_update().get(pk=request.pk)
    if request.status == DpoRequest.Status.ANSWERED:
        return request
    request.status = DpoRequest.Status.ANSWERED
    request.answer = answer.strip()
    request.answered_at = now
    request.save(update_fields=["status", "answer", "answered_at"])
    if request.user_id:
        hooks.journal(
            user=request.user,
            actor=actor,
            action="dpo_request_answered",
            at=now,
            data={"request": request.pk},
        )
        emails.send_on_commit(
            "dpo_answered", to=[request.user.email], context={"request": request}
        )
    return request


def dpo_reminders_send(*, now) -> int:
    """Remind the DPO mailbox of open requests nearing their deadline.

    For each stage N of PRIVACY_DPO_REMINDER_DAYS, a request gets one reminder
    once ``now`` reaches N Paris days before its deadline (and before it); after
    an outage the stages now due are sent as one email, never twice.
    Returns the number of reminders sent.
    """
    stages = sorted(app_settings.dpo_reminder_days(), reverse=True)
    sent = 0
    open_requests = DpoRequest.objects.filter(status=DpoRequest.Status.OPEN, due_at__gt=now)
    due_soon = open_requests.filter(due_at__lte=now + _max_days(stages))
    for pk in list(due_soon.values_list("pk", flat=True)):
        with transaction.atomic():
            request = DpoRequest.objects.select_for_update().get(pk=pk)
            due_stages = _stages_due(
                stages, sent=request.reminders_sent, deadline=request.due_at, now=now
            )
            if not due_stages:
                continue
            request.reminders_sent = sorted({*request.reminders_sent, *due_stages})
            request.save(update_fields=["reminders_sent"])
            emails.send_on_commit(
                "dpo_reminder",
                to=[app_settings.dpo_email()],
                context={"request": request, "days": min(due_stages)},
            )
            sent += 1
    return sent


def _max_days(stages):
    return dt.timedelta(days=(max(stages) if stages else 0) + 1)


def _stages_due(stages, *, sent, deadline, now) -> list[int]:
    """Reminder stages (days before ``deadline``) that ``now`` has reached and not yet sent."""
    return [n for n in stages if n not in sent and now >= calendar.days_before(deadline, n)]


# --- Lost or stolen credentials ----------------------------------------------


OPEN_REPORT_STATUSES = (
    LostCredentialsReport.Status.TO_REVIEW,
    LostCredentialsReport.Status.PENDING,
    LostCredentialsReport.Status.ACCESS_ISSUED,
)


@transaction.atomic
def lost_credentials_report(
    *,
    user: User,
    now,
    reported_by: User | None = None,
    message: str = "",
    origin: str = ReportOrigin.AGENT,
    ip: str = "",
) -> LostCredentialsReport | None:
    """Suspend ``user`` at once and queue him for an agent (no-op if already queued).

    Only for reports whose author is trusted to speak for the account: an agent
    (``reported_by``), the owner signed in (``origin=signed_in``) or the owner
    who followed the emailed link (``origin=email_link``). An anonymous report
    goes through ``lost_credentials_request`` instead and never lands here
    directly. Side effects: lifecycle ``account_suspend(reason=lost_credentials)``
    (sessions and tokens revoked); the account's owner is emailed; a journal
    row with the origin. An account deactivated on path a (no sign-in possible,
    deletion on its way) is left alone: a report must not stop its deletion
    clock. Returns None then. A ``to_review`` report on the account (anonymous
    report on a staff account) becomes ``pending``.
    """
    if user.state == AccountState.DEACTIVATED and not lifecycle_services.reactivates_on_sign_in(
        user
    ):
        return None
    open_report = (
        LostCredentialsReport.objects.select_for_update()
        .filter(user=user, status__in=OPEN_REPORT_STATUSES)
        .first()
    )
    if open_report is not None and open_report.status != LostCredentialsReport.Status.TO_REVIEW:
        return open_report
    if open_report is None:
        report = LostCredentialsReport.objects.create(
            user=user,
            reported_at=now,
            reported_by=reported_by,
            message=message[:2000],
            origin=origin,
        )
    else:
        report = open_report
        report.status = LostCredentialsReport.Status.PENDING
        report.reported_by = reported_by
        report.save(update_fields=["status", "reported_by"])
    hooks.journal(
        user=user,
        actor=reported_by,
        action="lost_credentials_reported",
        at=now,
        data={"report": report.pk, "via": origin, **({"ip": ip} if ip else {})},
    )
    ssf_events_enqueue(event_type=ssf_events.CREDENTIAL_COMPROMISE, user_ids=[user.pk], now=now)
    _lifecycle().account_suspend(
        user=user,
        actor=reported_by,
        now=now,
        reason=SUSPENSION_LOST_CREDENTIALS,
        note=_("Identifiants signalés perdus ou volés."),
    )
    emails.send_on_commit("lost_credentials_suspended", to=[user.email], context={"user": user})
    return report


def _account_of(email: str) -> User | None:
    email = (email or "").strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = address.user if address else None
    return user


def token_hash(token: str) -> str:
    """SHA-256 of a confirmation token (the only form stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def lost_credentials_request(*, email: str, now, message: str = "", ip: str = "") -> bool:
    """The public (anonymous) form's work: never suspends by itself.

    - unknown address: nothing is written, nothing is sent;
    - OPCO staff account (``is_staff`` or ``is_superuser``): a ``to_review``
      report queued for the agents in the back-office, nothing suspended, no
      mail (an attacker must not be able to disable the back-office);
    - any other account: a one-use link valid
      ``PRIVACY_LOST_CREDENTIALS_LINK_HOURS`` (24 h) is emailed to the
      account's sign-in address; only following it suspends.
    Every matched report is journaled with its origin (``anonymous``) and IP.
    Returns whether an account matched (never shown to the requester).
    """
    user = _account_of(email)
    if user is None:
        return False
    if user.state == AccountState.DEACTIVATED and not lifecycle_services.reactivates_on_sign_in(
        user
    ):
        return True
    if user.is_staff or user.is_superuser:
        report = LostCredentialsReport.objects.filter(
            user=user, status__in=OPEN_REPORT_STATUSES
        ).first()
        if report is None:
            report = LostCredentialsReport.objects.create(
                user=user,
                reported_at=now,
                message=message[:2000],
                status=LostCredentialsReport.Status.TO_REVIEW,
                origin=ReportOrigin.ANONYMOUS,
            )
        hooks.journal(
            user=user,
            actor=None,
            action="lost_credentials_reported",
            at=now,
            data={"report": report.pk, "via": ReportOrigin.ANONYMOUS, "ip": ip, "queued": True},
        )
        return True
    token = secrets.token_urlsafe(32)
    LostCredentialsConfirmation.objects.create(
        user=user,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(hours=app_settings.lost_credentials_link_hours()),
    )
    hooks.journal(
        user=user,
        actor=None,
        action="lost_credentials_reported",
        at=now,
        data={"via": ReportOrigin.ANONYMOUS, "ip": ip, "confirmation_sent": True},
    )
    path = reverse("privacy:lost_credentials_confirm", kwargs={"token": token})
    emails.send_on_commit(
        "lost_credentials_confirm",
        to=[user.email],
        context={
            "user": user,
            "confirm_url": app_settings.site_url() + path,
            "hours": app_settings.lost_credentials_link_hours(),
        },
    )
    return True


@transaction.atomic
def lost_credentials_confirm(*, token: str, now) -> LostCredentialsReport | None:
    """Follow the emailed link: suspend the account; None when the link is unknown,
    used or expired (nothing changes then). The link is spent even if the account
    was already suspended."""
    confirmation = (
        LostCredentialsConfirmation.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=token_hash(token or ""), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if confirmation is None:
        return None
    confirmation.used_at = now
    confirmation.save(update_fields=["used_at"])
    return lost_credentials_report(user=confirmation.user, now=now, origin=ReportOrigin.EMAIL_LINK)


def _reset_link(user: User) -> str:
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return app_settings.site_url() + path.replace("UID-KEY", key)


@transaction.atomic
def lost_credentials_issue_access(
    *, report: LostCredentialsReport, actor: User, now, new_email: str = ""
) -> LostCredentialsReport:
    """Issue new access: a forced password reset link, optionally to a new sign-in email.

    The old password stops working at once; the suspension is lifted when the
    link is used (``privacy.signals``). A new email replaces every address of
    the account and is verified by that use.
    """
    report = LostCredentialsReport.objects.select_for_update().get(pk=report.pk)
    if report.status == LostCredentialsReport.Status.RESOLVED:
        return report
    user = User.objects.select_for_update().get(pk=report.user_id)
    new_email = (new_email or "").strip().lower()
    if new_email and new_email != user.email:
        accounts_blocklist.check_email(new_email)
        if (
            User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists()
            or EmailAddress.objects.filter(email__iexact=new_email).exclude(user=user).exists()
        ):
            raise ValidationError(_("Cette adresse e-mail est déjà utilisée par un autre compte."))
        old_email = user.email
        user.email = new_email
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(user=user, email=new_email, primary=True, verified=False)
        hooks.journal(
            user=user,
            actor=actor,
            action="sign_in_email_replaced",
            at=now,
            data={"report": report.pk, "previous_domain": old_email.rpartition("@")[2]},
        )
    user.set_unusable_password()
    user.save(update_fields=["email", "password"])
    report.status = LostCredentialsReport.Status.ACCESS_ISSUED
    report.issued_at = now
    report.issued_by = actor
    report.new_email = new_email
    report.save(update_fields=["status", "issued_at", "issued_by", "new_email"])
    hooks.journal(
        user=user,
        actor=actor,
        action="new_access_issued",
        at=now,
        data={"report": report.pk, "new_email": bool(new_email)},
    )
    emails.send_on_commit(
        "lost_credentials_new_access",
        to=[user.email],
        context={"user": user, "reset_url": _reset_link(user)},
    )
    return report


@transaction.atomic
def lost_credentials_access_restored(*, user: User, now) -> LostCredentialsReport | None:
    """Called when the user has set a new password: lift the suspension OPCO issued access for.

    No-op unless an agent issued new access (status ``access_issued``). The lift
    is journaled with the agent who issued the access as its actor.
    """
    report = (
        LostCredentialsReport.objects.select_for_update()
        .filter(user=user, status=LostCredentialsReport.Status.ACCESS_ISSUED)
        .first()
    )
    if report is None:
        return None
    user.refresh_from_db(fields=["state", "suspension_reason"])
    if (
        user.state == AccountState.SUSPENDED
        and user.suspension_reason != SUSPENSION_LOST_CREDENTIALS
    ):
        # Suspended since for another reason (CGU breach...): only OPCO lifts that one.
        return None
    report.status = LostCredentialsReport.Status.RESOLVED
    report.resolved_at = now
    report.save(update_fields=["status", "resolved_at"])
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    hooks.journal(
        user=user,
        actor=report.issued_by,
        action="new_access_used",
        at=now,
        data={"report": report.pk},
    )
    _lifecycle().account_suspension_lift(user=user, actor=report.issued_by, now=now)
    return report


# --- Proof of authority -------------------------------------------------------

ALLOWED_PROOF_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
}


@transaction.atomic
def proof_request_create(
    *,
    user: User,
    organisation: Organisation,
    actor: User,
    now,
    days: int | None = None,
    message: str = "",
) -> ProofRequest:
    """Ask ``user`` for a proof of authority for ``organisation`` (open one is returned).

    The deadline is 00:00 Europe/Paris starting day ``days + 1`` (default
    PRIVACY_PROOF_DEADLINE_DAYS). The user is emailed.
    """
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError(_("Cet utilisateur n'est pas rattaché à cette organisation."))
    existing = ProofRequest.objects.filter(
        user=user, organisation=organisation, status__in=ProofRequest.OPEN_STATUSES
    ).first()
    if existing is not None:
        return existing
    days = days or app_settings.proof_deadline_days()
    request = ProofRequest.objects.create(
        user=user,
        organisation=organisation,
        requested_by=actor,
        requested_at=now,
        due_at=lifecycle_calendar.notice_deadline(now, days=days),
        message=message,
    )
    hooks.journal(
        user=user,
        actor=actor,
        action="proof_requested",
        at=now,
        data={"request": request.pk, "organisation": organisation.siret},
    )
    emails.send_on_commit(
        "proof_requested", to=[user.email], context={"user": user, "request": request}
    )
    return request


INVALID_NAME_MESSAGE = _lazy(
    "Nom de fichier invalide : il ne doit contenir ni chemin (/ ou \\), ni « .. », ni "
    "caractère spécial. Renommez le fichier puis réessayez."
)


def _clean_upload_name(name: str) -> str:
    """The label of an uploaded file; refuses path tricks and control characters."""
    name = unicodedata.normalize("NFC", name or "")
    if (
        not name
        or "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
        or any(unicodedata.category(ch).startswith("C") for ch in name)
        or len(name) > 255
    ):
        raise ValidationError(
            _(
                "Nom de fichier invalide : renommez le fichier (lettres, chiffres, tirets) puis réessayez."
            )
        )
    return name


def proof_upload_validate(uploaded_file) -> tuple[str, str]:
    """Check an upload; return (label, content type). Nothing is written."""
    name = _clean_upload_name(getattr(uploaded_file, "name", ""))
    max_bytes = app_settings.proof_max_bytes()
    size = uploaded_file.size
    if size is None or size > max_bytes:
        raise ValidationError(
            _("Le fichier dépasse la taille maximale de %(size)s Mo.")
            % {"size": f"{max_bytes / (1024 * 1024):g}"}
        )
    if size == 0:
        raise ValidationError(_("Le fichier est vide."))
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_PROOF_TYPES:
        raise ValidationError(
            _(
                "Ce fichier n'est ni un PDF, ni une image PNG ou JPEG : déposez un justificatif dans l'un de ces formats."
            )
        )
    return name, kind.mime


def proof_document_path(document: ProofDocument) -> Path:
    return app_settings.proof_root() / document.storage_name


def proof_document_upload(
    *, request: ProofRequest, user: User, uploaded_file, now
) -> ProofDocument:
    """Store the user's proof under a random name outside the web root.

    Refused (ValidationError, nothing stored) when the file is not a PDF, PNG or
    JPEG by its content, is too big, or its name carries a path.
    """
    if request.user_id != user.pk:
        raise ValidationError(_("Cette demande ne vous concerne pas."))
    if request.status not in (*ProofRequest.OPEN_STATUSES, ProofRequest.Status.EXPIRED):
        raise ValidationError(_("Cette demande est close."))
    name, content_type = proof_upload_validate(uploaded_file)
    root = app_settings.proof_root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    document = ProofDocument(
        request=request,
        uploaded_by=user,
        original_name=name,
        content_type=content_type,
        size=uploaded_file.size,
        uploaded_at=now,
    )
    path = proof_document_path(document)
    with open(path, "xb") as out:
        os.chmod(path, 0o600)
        for chunk in uploaded_file.chunks():
            out.write(chunk)
    try:
        with transaction.atomic():
            document.save()
            locked = ProofRequest.objects.select_for_update().get(pk=request.pk)
            if locked.status == ProofRequest.Status.PENDING:
                locked.status = ProofRequest.Status.SUBMITTED
                locked.save(update_fields=["status"])
            hooks.journal(
                user=user,
                actor=user,
                action="proof_uploaded",
                at=now,
                data={"request": request.pk, "document": str(document.pk)},
            )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return document


def _restore_accesses(request: ProofRequest) -> int:
    membership = Membership.objects.filter(
        user_id=request.user_id, organisation_id=request.organisation_id
    ).first()
    if membership is None:
        return 0
    platforms = {p.code: p for p in Platform.objects.all()}
    roles = {r.code: r for r in Role.objects.all()}
    restored = 0
    for item in request.suspended_accesses:
        platform, role = platforms.get(item["platform"]), roles.get(item["role"])
        if platform is None or role is None:
            continue
        _obj, created = Access.objects.get_or_create(
            membership=membership, platform=platform, role=role
        )
        restored += int(created)
    return restored


@transaction.atomic
def proof_request_accept(
    *, request: ProofRequest, actor: User, now, reason: str = ""
) -> ProofRequest:
    """Accept the proof; accesses suspended at the deadline are restored."""
    request = ProofRequest.objects.select_for_update().get(pk=request.pk)
    if request.status == ProofRequest.Status.ACCEPTED:
        return request
    if not request.documents.exists():
        raise ValidationError(_("Aucun justificatif n'a été déposé."))
    restored = _restore_accesses(request) if request.suspended_accesses else 0
    request.status = ProofRequest.Status.ACCEPTED
    request.decided_at = now
    request.decided_by = actor
    request.decision_reason = reason.strip()
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    hooks.journal(
        user=request.user,
        actor=actor,
        action="proof_accepted",
        at=now,
        reason=reason,
        data={"request": request.pk, "restored_accesses": restored},
    )
    emails.send_on_commit(
        "proof_decided", to=[request.user.email], context={"request": request, "accepted": True}
    )
    return request


@transaction.atomic
def proof_request_reject(*, request: ProofRequest, actor: User, now, reason: str) -> ProofRequest:
    """Reject the proof with a reason.

    Before the deadline the request goes back to "pending" (the user may upload
    another proof); after it, the accesses for the organisation are suspended.
    """
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif du refus."))
    request = ProofRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in (ProofRequest.Status.SUBMITTED, ProofRequest.Status.EXPIRED):
        raise ValidationError(_("Aucun justificatif à examiner pour cette demande."))
    request.decided_at = now
    request.decided_by = actor
    request.decision_reason = reason.strip()
    if request.status == ProofRequest.Status.SUBMITTED:
        request.status = ProofRequest.Status.PENDING
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    hooks.journal(
        user=request.user,
        actor=actor,
        action="proof_rejected",
        at=now,
        reason=reason,
        data={"request": request.pk},
    )
    emails.send_on_commit(
        "proof_decided", to=[request.user.email], context={"request": request, "accepted": False}
    )
    if request.status == ProofRequest.Status.PENDING and now >= request.due_at:
        proof_request_expire(request=request, now=now)
    return request


@transaction.atomic
def proof_request_expire(*, request: ProofRequest, now) -> ProofRequest:
    """At the deadline without an accepted proof: suspend the accesses for that organisation.

    The accesses (membership, platform, role) are removed and kept on the request
    so that accepting a late proof restores them; the user's SSO grants are
    revoked so the platforms ask again. No-op unless the request is pending and due.
    """
    request = ProofRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ProofRequest.Status.PENDING or now < request.due_at:
        return request
    accesses = Access.objects.filter(
        membership__user_id=request.user_id,
        membership__organisation_id=request.organisation_id,
    ).select_related("platform", "role")
    snapshot = [{"platform": a.platform.code, "role": a.role.code} for a in accesses]
    accesses.delete()
    request.status = ProofRequest.Status.EXPIRED
    request.suspended_at = now
    request.suspended_accesses = snapshot
    request.save(update_fields=["status", "suspended_at", "suspended_accesses"])
    revoke_all(user=request.user, now=now)
    hooks.journal(
        user=request.user,
        actor=None,
        action="accesses_suspended_missing_proof",
        at=now,
        reason="missing_proof",
        data={
            "request": request.pk,
            "organisation": request.organisation.siret,
            "accesses": snapshot,
        },
    )
    emails.send_on_commit("proof_expired", to=[request.user.email], context={"request": request})
    return request


def proof_sweep(*, now) -> dict:
    """Send due reminders (15 and 3 days before) and expire overdue requests.

    Idempotent: reminder stages are recorded on the request, expiry is a state
    change; after an outage the due stages go out as one reminder.
    """
    summary = {"reminded": 0, "expired": 0}
    stages = sorted(app_settings.proof_reminder_days(), reverse=True)
    pending = ProofRequest.objects.filter(status=ProofRequest.Status.PENDING)
    # Ids first: rows change state inside the loop.
    for pk in list(pending.filter(due_at__lte=now).values_list("pk", flat=True)):
        request = proof_request_expire(request=ProofRequest(pk=pk), now=now)
        summary["expired"] += int(request.status == ProofRequest.Status.EXPIRED)
    soon = pending.filter(due_at__gt=now, due_at__lte=now + _max_days(stages))
    for pk in list(soon.values_list("pk", flat=True)):
        with transaction.atomic():
            request = (
                ProofRequest.objects.select_for_update(of=("self",))
                .select_related("user", "organisation")
                .get(pk=pk)
            )
            if request.status != ProofRequest.Status.PENDING:
                continue
            due_stages = _stages_due(
                stages, sent=request.reminders_sent, deadline=request.due_at, now=now
            )
            if not due_stages:
                continue
            request.reminders_sent = sorted({*request.reminders_sent, *due_stages})
            request.save(update_fields=["reminders_sent"])
            hooks.journal(
                user=request.user,
                actor=None,
                action="proof_reminder_sent",
                at=now,
                data={"request": request.pk, "days_before": min(due_stages)},
            )
            emails.send_on_commit(
                "proof_reminder",
                to=[request.user.email],
                context={"request": request, "user": request.user},
            )
            summary["reminded"] += 1
    return summary


# --- Profile (rectification) ------------------------------------------------------


@transaction.atomic
def profile_update(*, user: User, first_name: str, last_name: str, phone: str, now) -> list[str]:
    """Rectify the user's own profile; returns the names of the fields changed."""
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "phone": phone.strip(),
    }
    changed = [field for field, value in values.items() if getattr(user, field) != value]
    if not changed:
        return []
    for field in changed:
        setattr(user, field, values[field])
    user.save(update_fields=changed)
    hooks.journal(
        user=user, actor=user, action="profile_rectified", at=now, data={"fields": changed}
    )
    return changed


__all__ = [
    "closure_request_create",
    "closure_request_process",
    "closure_request_withdraw",
    "dpo_reminders_send",
    "dpo_request_answer",
    "dpo_request_create",
    "dpo_request_extend",
    "lost_credentials_access_restored",
    "lost_credentials_confirm",
    "lost_credentials_issue_access",
    "lost_credentials_report",
    "lost_credentials_request",
    "profile_update",
    "proof_document_upload",
    "proof_request_accept",
    "proof_request_create",
    "proof_request_expire",
    "proof_request_reject",
    "proof_sweep",
]
