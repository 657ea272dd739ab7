"""Factories for lifecycle tests (accounts' factories, plus dated accounts)."""

from tests.accounts.factories import (  # noqa: F401
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
