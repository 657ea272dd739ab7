"""allauth's own forms, hardened (``ACCOUNT_FORMS``).

Apart from ``accounts.forms`` because allauth's forms module imports the
sign-up extension (``ACCOUNT_SIGNUP_FORM_CLASS``) from there.
"""

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.internal.flows.email_verification import (
    add_email_verification_sent_message,
)
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import throttle
from .models import User


class ChangePasswordForm(AllauthChangePasswordForm):
    """allauth's password change, with the current password checked through the
    per-account throttle of ``accounts.throttle`` (same delay and 24-hour cap as
    the sign-in, keyed on the account's email): a stolen session cannot guess
    the password at 7,200 tries a day."""

    def clean_oldpassword(self) -> str:
        login = self.user.email
        now = timezone.now()
        if not throttle.acquire(login):
            raise ValidationError(
                _("Une autre tentative est en cours. Réessayez dans un instant."),
                code="password_check_in_progress",
            )
        try:
            verdict = throttle.check(login, now=now)
            if not verdict.allowed:
                raise ValidationError(
                    _(
                        "Trop de tentatives ont échoué pour ce compte. Réessayez plus tard, "
                        "ou réinitialisez votre mot de passe par e-mail."
                    ),
                    code="too_many_password_attempts",
                )
            try:
                value = super().clean_oldpassword()
            except ValidationError:
                throttle.record_failure(login, now=now)
                raise
            throttle.record_success(login, now=now)
            return value
        finally:
            throttle.release(login)


class AddEmailForm(AllauthAddEmailForm):
    """allauth's "add an address", refusing an address of another account.

    With enumeration prevention allauth would add it unverified and mail its
    owner a confirmation for someone else's account. Here the answer stays the
    neutral one ("confirmation sent"), but nothing is stored and nothing is sent.
    """

    def _belongs_to_another_account(self) -> bool:
        email = self.cleaned_data["email"]
        return (
            User.objects.filter(email__iexact=email).exclude(pk=self.user.pk).exists()
            or EmailAddress.objects.filter(email__iexact=email).exclude(user=self.user).exists()
        )

    def save(self, request):
        if self._belongs_to_another_account():
            # The message allauth shows after sending; the address is never stored.
            add_email_verification_sent_message(request, self.cleaned_data["email"], signup=False)
            return EmailAddress(user=self.user, email=self.cleaned_data["email"])
        return super().save(request)
