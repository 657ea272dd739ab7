"""allauth forms adjusted to the lifecycle (ACCOUNT_FORMS).

allauth looks up only active accounts for a password reset or a sign-in code;
an account deactivated for inactivity must be able to use both (signing in
reactivates it). Other inactive accounts get the code too: the sign-in then
stops at the refusal page that says why (``LifecycleAccountAdapter``); a
password reset for them sends an email saying why, instead of a link (queued
after commit, retried on provider failure: ``accounts.emails``).
"""

from allauth.account.forms import RequestLoginCodeForm as BaseRequestLoginCodeForm
from allauth.account.forms import ResetPasswordForm as BaseResetPasswordForm
from allauth.account.internal.userkit import filter_users_by_email
from django.template.loader import render_to_string
from django.utils import translation

from accounts.emails import email_queue, render_text

from . import selectors, services


def _users(email: str) -> list:
    return filter_users_by_email(email, prefer_verified=True, for_login=True)


class ResetPasswordForm(BaseResetPasswordForm):
    def clean_email(self):
        email = super().clean_email()
        every = _users(email)
        self.users = [u for u in every if u.is_active or services.reactivates_on_sign_in(u)]
        self.refused_users = [u for u in every if u not in self.users]
        return email

    def save(self, request, **kwargs):
        refused = getattr(self, "refused_users", [])
        if self.users or not refused:
            email = super().save(request, **kwargs)
        else:
            email = self.cleaned_data["email"]
        for user in refused:
            context = {"refusal": selectors.sign_in_refusal(user=user), "user": user}
            with translation.override("fr"):
                subject = render_text("lifecycle/email/refused_subject.txt", context).strip()
                body = render_text("lifecycle/email/refused_message.txt", context)
                html = render_to_string("lifecycle/email/refused_message.html", context)
            email_queue(subject=subject, body=body, html=html, to=[user.email])
        return email


class RequestLoginCodeForm(BaseRequestLoginCodeForm):
    def clean_email(self):
        email = super().clean_email()
        if email and getattr(self, "_user", None) is None:
            users = _users(email)
            self._user = users[0] if users else None
        return email
