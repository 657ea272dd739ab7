"""Factories for accounts models."""

import factory
from django.utils import timezone

from accounts.models import Invitation, JoinRequest, Membership, Organisation, User

# Valid SIRETs built from valid SIRENs (Luhn) — see tests/accounts/test_identifiers.py.


def luhn_complete(prefix: str) -> str:
    """Append the digit that makes ``prefix`` pass the Luhn check."""
    for last in "0123456789":
        candidate = prefix + last
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char)
            if index % 2 == 1:
                value *= 2
                if value > 9:
                    value -= 9
            total += value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def make_siret(n: int) -> str:
    """A valid, distinct SIRET for each ``n``."""
    siren = luhn_complete(f"{(n % 10**8) + 10**7:08d}")
    return luhn_complete(siren + f"{n % 10**4:04d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple 42")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        """Staff accounts get a TOTP authenticator: MFA is mandatory for them
        (accounts.middleware.StaffMFARequiredMiddleware). ``mfa=False`` opts out."""
        if create and obj.is_staff and extracted is not False:
            from allauth.mfa.models import Authenticator

            Authenticator.objects.create(
                user=obj, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.ENTREPRISE
    legal_name = factory.Sequence(lambda n: f"Transports Dupont {n}")
    siret = factory.Sequence(make_siret)
    siren = factory.LazyAttribute(lambda o: o.siret[:9])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    is_administrator = False


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invite{n}@example.fr")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)


def administrator_of(organisation, user=None):
    """A user administering ``organisation`` (membership + guardian permission), via the service."""
    from accounts import services

    return services.membership_create(
        user=user or UserFactory(),
        organisation=organisation,
        is_administrator=True,
        now=timezone.now(),
    ).user


def with_second_factor(user):
    """Give ``user`` a TOTP authenticator (staff must have one to reach the back-office)."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
    )
    return user
