"""Password authentication by email: allauth's backend, with the sign-in's reads in one query.

allauth's backend finds the account by its address (one query), then its login
stages read the same address again (``has_verified_email``) and the account's
authenticators (``is_mfa_enabled``): three round trips for what one row says.
``EmailAuthenticationBackend`` reads the address, its account and whether the
account has a second factor in one query, and hands both answers to the stages:

- the address found is put in allauth's per-object address cache
  (``_emailaddress_cache``, the one ``EmailAddress.objects.get_for_user`` reads),
  so the verification stage does not read it again;
- ``SECOND_FACTOR_ATTRIBUTE`` on the user says whether a TOTP or WebAuthn
  authenticator exists; ``accounts.adapter.MFAAdapter`` answers from it.

Invariant: both answers live only on the user object this request's lookup built
(a user loaded by any other way, e.g. a later request resuming a stashed login,
asks the database again), and they were read in the same request, before the
password was checked. Lookup order, "prefer verified", the fallback on
``User.email`` and the timing-attack mitigation are allauth's.
"""

from functools import cache

from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db import connection

User = get_user_model()

#: Attribute of a user found by this backend: whether a second factor must be asked.
SECOND_FACTOR_ATTRIBUTE = "_sign_in_second_factor"
#: The authenticator types allauth's MFA login stage asks about.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


@cache
def _lookup_sql() -> str:
    """One statement: the accounts an address names, with the address and "second factor?".

    Written as SQL once (identifiers from the models' metadata, the address as a
    parameter): the ORM compiled this join and its subquery at every sign-in, for
    more time than the database spends answering it.
    """
    quote = connection.ops.quote_name
    user_table, address_table = quote(User._meta.db_table), quote(EmailAddress._meta.db_table)
    factor_table = quote(Authenticator._meta.db_table)
    types = ", ".join(f"'{kind.value}'" for kind in SECOND_FACTOR_TYPES)
    return (
        f"SELECT u.*, a.{quote('id')} AS address_id, a.{quote('email')} AS address_email, "  # noqa: S608
        f"a.{quote('verified')} AS address_verified, a.{quote('primary')} AS address_primary, "
        f"EXISTS (SELECT 1 FROM {factor_table} f WHERE f.{quote('user_id')} = u.{quote('id')} "
        f"AND f.{quote('type')} IN ({types})) AS second_factor "
        f"FROM {address_table} a JOIN {user_table} u ON u.{quote('id')} = a.{quote('user_id')} "
        f"WHERE a.{quote('email')} = %s"
    )


class EmailAuthenticationBackend(AuthenticationBackend):
    def _authenticate_by_email(self, email, password):
        if not email:
            return None
        email = email.lower()
        found = [
            user
            for user in User.objects.raw(_lookup_sql(), [email])
            if user.address_email.lower() == email
        ]
        verified = [user for user in found if user.address_verified]
        if not verified:
            # allauth's "prefer verified" lookup, from here: the accounts of unverified
            # addresses, then those whose own email field says it (one query more,
            # as in allauth, so an unknown address costs what it did).
            seen = {user.pk for user in found}
            found += [
                user
                for user in User.objects.filter(email=email)
                if user.email.lower() == email and user.pk not in seen
            ]
            for user in found:
                if self._check_password(user, password):
                    return user
            return None
        for user in verified:
            address = EmailAddress(
                id=user.address_id,
                user=user,
                email=user.address_email,
                verified=True,
                primary=bool(user.address_primary),
            )
            EmailAddress.objects.fill_cache_for_user(user, [address])
            setattr(user, SECOND_FACTOR_ATTRIBUTE, bool(user.second_factor))
            if self._check_password(user, password):
                return user
        return None
