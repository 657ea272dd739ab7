"""Signal receivers: the edge where accounts tells legal that someone signed up.

On allauth's ``user_signed_up``, the CGU version the person was shown on the sign-up
form is recorded as accepted (the form required the unticked box ``accept_cgu``),
with the IP address and user agent of the sign-up request. That version comes from
the sign-up POST's ``cgu_version``, which ``legal.signup.check_shown_version`` has
just validated as the version in force at submit time (see ``legal.signup``). No
version shown (none was in force): nothing to record.
"""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver
from django.utils import timezone

from . import services, signup
from .http import client_ip, user_agent
from .models import CGUAcceptance


@receiver(user_signed_up, dispatch_uid="legal.record_signup_acceptance")
def record_signup_acceptance(sender, request, user, **kwargs) -> None:
    version = signup.shown_version(request)
    if version is None:
        return
    services.cgu_accept(
        user=user,
        version=version,
        now=timezone.now(),
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        context=CGUAcceptance.Context.SIGNUP,
    )
