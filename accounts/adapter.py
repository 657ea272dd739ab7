"""django-allauth adapter.

- Sign-up attaches the organisation in the same transaction (none when the
  person signs up from an invitation to it: accepting it makes him a member).
- Invitations: after sign-in and after email verification, the person goes back
  to the invitation he follows (``accounts.invitation_session``).
- Security (issue 7): the client IP comes from ``accounts.security.client_ip``
  (trusted proxies only) for allauth's rate limits and user sessions; every
  password check goes through the per-account throttle of ``accounts.throttle``.
"""

import secrets
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.contrib.auth.hashers import make_password
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import invitation_session, security, selectors, services, throttle
from .auth_backends import SECOND_FACTOR_ATTRIBUTE, SECOND_FACTOR_TYPES
from .blocklist import check_email
from .emails import email_queue
from .models import Invitation, JoinRequest

#: Session key: legal name of the organisation a just-created account asked to join.
JOIN_REQUEST_SESSION_KEY = "accounts_signup_join_request"
#: Session key: legal name of the organisation whose invitation a just-created account follows.
SIGNUP_INVITATION_SESSION_KEY = "accounts_signup_invitation"


class AccountAdapter(DefaultAccountAdapter):
    """Project adapter.

    ``save_user`` creates the account and attaches it to its organisation in one
    transaction: a failure leaves neither behind.
    """

    def clean_email(self, email: str) -> str:
        """Refuse blocklisted emails and domains (sign-up and email change alike)."""
        email = super().clean_email(email)
        check_email(email)
        return email

    def save_user(self, request, user, form, commit=True):
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=False)
            data = form.cleaned_data
            user.first_name = data["first_name"].strip()
            user.last_name = data["last_name"].strip()
            user.email = user.email.lower()
            now = timezone.now()
            user.date_joined = now
            if commit:
                user.save()
                attached = services.signup_organisation_attach(
                    user=user,
                    siret=data["siret"],
                    kind=data.get("organisation_kind") or "entreprise",
                    legal_name=(data.get("organisation_name") or "").strip(),
                    is_legal_representative=data["declaration"] == "legal_representative",
                    invitation=getattr(form, "invitation", None),
                    now=now,
                )
                # The confirmation page says what comes next: the administrator's
                # decision, or the invitation to accept once the address is confirmed.
                name = attached.organisation.legal_name
                request.session[JOIN_REQUEST_SESSION_KEY] = (
                    name if isinstance(attached, JoinRequest) else ""
                )
                request.session[SIGNUP_INVITATION_SESSION_KEY] = (
                    name if isinstance(attached, Invitation) else ""
                )
        return user

    # --- invitations: the way back to the invitation (accounts.invitation_session) ---

    def _invitation_path(self, invitation) -> str:
        return reverse("accounts:invitation", kwargs={"token": invitation.token})

    def get_login_redirect_url(self, request):
        """Without ``next``: the invitation this visitor follows, when it is his; else home."""
        invitation = invitation_session.invitation_followed(
            request, now=timezone.now(), email=request.user.email
        )
        if invitation is not None:
            return self._invitation_path(invitation)
        return super().get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address):
        """After confirming an address while signed out, the way back to the invitation.

        Email verification does not sign in (allauth's default), and allauth's
        stashed ``next`` is lost with it: the sign-in page opens with ``next`` =
        the invitation this visitor follows, or, confirmed from another browser,
        the newest valid invitation sent to that address. Otherwise allauth's.
        """
        request = self.request
        if not request.user.is_authenticated:
            now = timezone.now()
            invitation = invitation_session.invitation_followed(
                request, now=now, email=email_address.email
            ) or (selectors.invitations_for_user(user=email_address.user, now=now).first())
            if invitation is not None:
                query = urlencode({"next": self._invitation_path(invitation)})
                return f"{reverse('account_login')}?{query}"
        return super().get_email_verification_redirect_url(email_address)

    # --- security: same work whether a sign-up's email is taken or not (ASVS 6.3.8) ---

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now, send after commit through ``accounts.tasks.email_send``.

        The request never waits for the mail provider (allauth sends inline), so
        the sign-up answers in the same time whether it mailed "account already
        exists" or a confirmation; provider failures are retried by the task.
        """
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = next((body for body, mime in message.alternatives if mime == "text/html"), "")
        email_queue(subject=message.subject, body=message.body, to=message.to, html=html)

    def send_account_already_exists_mail(self, email: str) -> None:
        """The taken-email path of sign-up hashes a password too, as the new path does
        (same hasher, same cost), so its timing does not tell the email is taken."""
        make_password(secrets.token_urlsafe(16))
        super().send_account_already_exists_mail(email)

    # --- security: client IP and per-account throttling (accounts/throttle.py) ---

    def get_client_ip(self, request):
        """Client IP behind exactly TRUSTED_PROXY_COUNT proxies (rate-limit buckets)."""
        return security.client_ip(request)

    def pre_authenticate(self, request, **credentials):
        """Refuse a password attempt while the account's delay or 24-hour cap, or the
        client address's count of attempts or failures, holds.

        Every limit on password attempts is ``accounts.throttle`` (one place, one
        cache round trip to open an attempt): allauth's ``login`` limit (attempts per
        address) is off, and its ``login_failed`` limit, which would count the
        failures again, is not consumed for passwords; it stays for the second-factor
        codes, which allauth.mfa keys by user. An allowed attempt holds the login's
        lock until ``authenticate`` releases it; the same answer for known and
        unknown emails.
        """
        login = credentials.get("email") or credentials.get("username") or ""
        self._throttle_login = None
        verdict = throttle.begin(login, now=timezone.now(), address=self.get_client_ip(request))
        if verdict.busy:
            raise forms.ValidationError(
                _("Une autre tentative de connexion est en cours. Réessayez dans un instant."),
                code="sign_in_in_progress",
            )
        if not verdict.allowed:
            raise self._throttle_error(verdict)
        # Under the lock: no parallel attempt can slip between the check and the count.
        self._throttle_login = login
        self._throttle_verdict = verdict

    def authenticate(self, request, **credentials):
        """allauth's check, then: a right password ends the delay streak; lock released."""
        self._throttle_login = None
        try:
            user = super().authenticate(request, **credentials)
            if user is not None and self._throttle_login is not None:
                throttle.record_success(
                    self._throttle_login, now=timezone.now(), verdict=self._throttle_verdict
                )
            return user
        finally:
            if self._throttle_login is not None:
                throttle.release(self._throttle_login)
                self._throttle_login = None

    def authentication_failed(self, request, **credentials):
        """Count the failure against the typed login, known or not."""
        super().authentication_failed(request, **credentials)
        login = credentials.get("email") or credentials.get("username") or ""
        throttle.record_failure(login, now=timezone.now(), address=self.get_client_ip(request))

    def _throttle_error(self, verdict):
        minutes = {"minutes": max(1, -(-verdict.wait_seconds(now=timezone.now()) // 60))}
        if verdict.attempts:
            message = (
                _(
                    "Trop de tentatives de connexion depuis votre adresse. Réessayez dans "
                    "%(minutes)d minute(s)."
                )
                % minutes
            )
        elif verdict.by_address:
            message = (
                _(
                    "Trop de tentatives de connexion ont échoué depuis votre adresse. "
                    "Réessayez dans %(minutes)d minute(s)."
                )
                % minutes
            )
        elif verdict.locked:
            message = _(
                "Trop de tentatives de connexion ont échoué pour ce compte au cours des "
                "dernières 24 heures. Connectez-vous avec un code reçu par e-mail ou "
                "réinitialisez votre mot de passe."
            )
        else:
            message = (
                _(
                    "Trop de tentatives de connexion ont échoué. Réessayez dans %(minutes)d "
                    "minute(s), ou connectez-vous avec un code reçu par e-mail."
                )
                % minutes
            )
        return forms.ValidationError(message, code="too_many_login_attempts")


class MFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter; the sign-in's "second factor?" answered without a query.

    A user found by ``accounts.auth_backends.EmailAuthenticationBackend`` carries
    whether he has a TOTP or WebAuthn authenticator, read with his address in the
    same query; the MFA login stage asks exactly that. Any other question (other
    types, any other user object) goes to the database as in allauth.
    """

    def is_mfa_enabled(self, user, types=None) -> bool:
        known = getattr(user, SECOND_FACTOR_ATTRIBUTE, None)
        if known is not None and types is not None and set(types) == set(SECOND_FACTOR_TYPES):
            return known
        return super().is_mfa_enabled(user, types=types)
