"""allauth's own forms, hardened (``ACCOUNT_FORMS``).

Apart from ``accounts.forms`` because allauth's forms module imports the
sign-up extension (``ACCOUNT_SIGNUP_FORM_CLASS``) from there.
"""

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.email_verification import (
    add_email_verification_sent_message,
)
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import throttle
from .models import User


class KeepPasswordsMixin:
    """Typed passwords survive a form error elsewhere on the page (issue 15 item 12).

    Re-rendered only in the answer to the person's own POST (over HTTPS, never cached:
    POST answers carry no freshness). A password field that itself has an error is
    emptied: a wrong current password is never echoed back.
    """

    kept_password_fields = ("password1", "password2")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.kept_password_fields:
            if name in self.fields:
                self.fields[name].widget.render_value = True

    def full_clean(self):
        super().full_clean()
        new_password = {"password1", "password2"}
        for name in self.kept_password_fields:
            # A refused new password empties both of its boxes (typed again, together).
            group = new_password if name in new_password else {name}
            if name in self.fields and group & set(self.errors):
                self.fields[name].widget.render_value = False


class SignupForm(KeepPasswordsMixin, AllauthSignupForm):
    """allauth's sign-up (with ``accounts.forms.SignupForm`` as its base), passwords kept."""


class SetPasswordForm(KeepPasswordsMixin, AllauthSetPasswordForm):
    """allauth's "set a password", passwords kept after an error."""


class ResetPasswordKeyForm(KeepPasswordsMixin, AllauthResetPasswordKeyForm):
    """allauth's new password from a reset link, passwords kept after an error."""


class ChangePasswordForm(KeepPasswordsMixin, AllauthChangePasswordForm):
    """allauth's password change, with the current password checked through the
    per-account throttle of ``accounts.throttle`` (same delay and 24-hour cap as
    the sign-in, keyed on the account's email): a stolen session cannot guess
    the password at 7,200 tries a day. The current password is kept too, unless it
    is the field in error."""

    kept_password_fields = ("oldpassword", "password1", "password2")

    def clean_oldpassword(self) -> str:
        login = self.user.email
        now = timezone.now()
        verdict = throttle.begin(login, now=now)
        if verdict.busy:
            raise ValidationError(
                _("Une autre tentative est en cours. Réessayez dans un instant."),
                code="password_check_in_progress",
            )
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
        else:
            throttle.record_success(login, now=now, verdict=verdict)
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
