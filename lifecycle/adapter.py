"""Sign-in rules of the lifecycle, on top of the project's allauth adapter.

- An account deactivated for inactivity (or warned) may sign in: it becomes
  active again when Django's ``login`` runs, after every stage (email, MFA)
  succeeded (``lifecycle.signals.record_sign_in``), never in ``pre_login``
  (which runs before MFA).
- Any other inactive account (deactivated by an administrator, OPCO, a closure,
  the end of authority, or suspended) is refused with a French page that says
  why and whom to contact; never "wrong password".
"""

from django.template.response import TemplateResponse

from accounts.adapter import AccountAdapter

from . import selectors, services


class LifecycleAccountAdapter(AccountAdapter):
    def pre_login(self, request, user, **kwargs):
        if not user.is_active and services.reactivates_on_sign_in(user):
            return None
        return super().pre_login(request, user, **kwargs)

    def respond_user_inactive(self, request, user):
        return TemplateResponse(
            request,
            "lifecycle/account_refused.html",
            {"refusal": selectors.sign_in_refusal(user=user)},
            status=403,
        )
