"""Signal receivers: the edge where accounts tells legal that someone signed up.

On allauth's ``user_signed_up``, the CGU in force (the sign-up form required the
unticked box ``accept_cgu``) is recorded as accepted, with the IP address and user
agent of the sign-up request. No version in force: nothing to record.
"""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver
from django.utils import timezone

from . import selectors, services
from .http import client_ip, user_agent
from .models import CGUAcceptance


@receiver(user_signed_up, dispatch_uid="legal.record_signup_acceptance")
def record_signup_acceptance(sender, request, user, **kwargs) -> None:
    now = timezone.now()
    version = selectors.cgu_in_force(now=now)
    if version is None:
        return
    services.cgu_accept(
        user=user,
        version=version,
        now=now,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        context=CGUAcceptance.Context.SIGNUP,
    )
