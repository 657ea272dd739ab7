"""Sign-in rules of the lifecycle, on top of the project's allauth adapter.

- An account deactivated for inactivity (or warned) may sign in: it becomes
  active again in ``post_login``, after every stage (email, MFA) succeeded,
  never in ``pre_login`` (which runs before MFA).
- Any other inactive account (deactivated by an administrator, OPCO, a closure,
  the end of authority, or suspended) is refused with a French page that says
  why and whom to contact; never "wrong password".
"""

from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.adapter import AccountAdapter

from . import selectors, services


class LifecycleAccountAdapter(AccountAdapter):
    def pre_login(self, request, user, **kwargs):
        if not user.is_active and services.reactivates_on_sign_in(user):
            return None
        return super().pre_login(request, user, **kwargs)

    def post_login(self, request, user, **kwargs):
        services.account_sign_in(user=user, at=timezone.now(), method="login")
        return super().post_login(request, user, **kwargs)

    def respond_user_inactive(self, request, user):
        return TemplateResponse(
            request,
            "lifecycle/account_refused.html",
            {"refusal": selectors.sign_in_refusal(user=user)},
            status=403,
        )
