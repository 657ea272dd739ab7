"""Factories and helpers for platforms tests (single sign-on)."""

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Membership
from platforms.models import Access, Platform, Role
from platforms.sso_services import platform_client_register
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory

REDIRECT_URI = "http://rp.example.test/oidc/callback/"
BACKCHANNEL_URI = "http://rp.example.test/oidc/backchannel-logout/"


def verified_user(**kwargs):
    """A user with a verified primary email address (as after sign-up)."""
    user = UserFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def grant(*, user, platform: Platform, role_code: str, organisation=None) -> Access:
    """Give ``user`` ``role_code`` on ``platform`` for ``organisation`` (a new one by default)."""
    organisation = organisation or OrganisationFactory()
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    if membership is None:
        membership = MembershipFactory(user=user, organisation=organisation)
    return Access.objects.create(
        membership=membership, platform=platform, role=Role.objects.get(code=role_code)
    )


def register_client(platform: Platform, *, backchannel: bool = True):
    """Register ``platform``'s OIDC client; returns (client, clear secret)."""
    registration = platform_client_register(
        platform=platform,
        redirect_uris=[REDIRECT_URI],
        backchannel_logout_uri=BACKCHANNEL_URI if backchannel else "",
        now=timezone.now(),
    )
    return registration.client, registration.secret


def deactivate(user) -> None:
    """Deactivate ``user`` the way the product does (lifecycle's service)."""
    from django.utils import timezone

    from lifecycle.models import DeactivationReason
    from lifecycle.services import account_deactivate

    account_deactivate(user=user, actor=None, now=timezone.now(), reason=DeactivationReason.OPCO)
    user.refresh_from_db()


def seed_platforms() -> None:
    """Re-create the seeded platforms and roles after a transactional test flushed them."""
    import importlib

    from django.apps import apps

    if not Platform.objects.exists():
        migration = importlib.import_module("platforms.migrations.0002_seed_platforms_and_roles")
        migration.seed(apps, None)
        urls = importlib.import_module(
            "platforms.migrations.0006_platform_initiate_login_uri_and_signup_urls"
        )
        urls.fill_signup_urls(apps, None)
        kinds = importlib.import_module("platforms.migrations.0006_platform_organisation_kinds")
        kinds.seed(apps, None)
