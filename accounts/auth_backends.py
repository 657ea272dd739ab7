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

import functools
from typing import NamedTuple

from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db import connection

from config.db import prepared_cursor

User = get_user_model()

#: Attribute of a user found by this backend: whether a second factor must be asked.
SECOND_FACTOR_ATTRIBUTE = "_sign_in_second_factor"
#: The authenticator types allauth's MFA login stage asks about.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


#: The account's columns the lookup reads, in model order (``User.from_db`` builds it).
_USER_FIELDS = tuple(User._meta.concrete_fields)
_USER_ATTNAMES = [field.attname for field in _USER_FIELDS]

#: One statement: the accounts an address names, with the address and "second factor?".
#: Written as SQL once (the address as a parameter) and read by a plain cursor: the
#: ORM compiled this join and its subquery at every sign-in, and a raw queryset maps
#: its columns by name at every call, each for more time than the database spends.
#: Prepared on PostgreSQL (``config.db``): planning it cost more than running it.
_LOOKUP_SQL = (  # noqa: S608 - constants only; the address is a parameter
    'SELECT {columns}, a."id", a."email", a."verified", a."primary", '
    'EXISTS (SELECT 1 FROM "mfa_authenticator" f WHERE f."user_id" = u."id" '
    'AND f."type" IN ({types})) '
    'FROM "account_emailaddress" a JOIN "accounts_user" u ON u."id" = a."user_id" '
    'WHERE a."email" = %s'
).format(
    columns=", ".join(f'u."{field.column}"' for field in _USER_FIELDS),
    types=", ".join(f"'{kind.value}'" for kind in SECOND_FACTOR_TYPES),
)


@functools.cache
def _converters(vendor: str) -> list[tuple]:
    """The backend's and the fields' value converters, as the ORM applies them
    (SQLite hands back dates as text, PostgreSQL needs none): per process and vendor."""
    converters = []
    for index, field in enumerate(_USER_FIELDS):
        column = field.get_col(User._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    return converters


class _Found(NamedTuple):
    """One account an address names, with that address and "has a second factor?"."""

    user: object
    address_id: int
    address_email: str
    verified: bool
    primary: bool
    second_factor: bool


def _accounts_of_address(email: str) -> list[_Found]:
    """Each account ``email`` (lower-cased) names, compared without case.

    The user is built as the ORM would (``from_db``: no ``save`` needed later to
    know it exists); the address is not cached anywhere yet.
    """
    width = len(_USER_FIELDS)
    with prepared_cursor() as cursor:
        cursor.execute(_LOOKUP_SQL, [email])
        rows = cursor.fetchall()
    converters = _converters(connection.vendor)
    found = []
    for row in rows:
        values = list(row[:width])
        for index, column, field_converters in converters:
            for convert in field_converters:
                values[index] = convert(values[index], column, connection)
        user = User.from_db(connection.alias, _USER_ATTNAMES, values)
        entry = _Found(user, *row[width:])
        if entry.address_email.lower() == email:
            found.append(entry)
    return found


class EmailAuthenticationBackend(AuthenticationBackend):
    def _authenticate_by_email(self, email, password):
        if not email:
            return None
        email = email.lower()
        found = _accounts_of_address(email)
        verified = [entry for entry in found if entry.verified]
        if not verified:
            # allauth's "prefer verified" lookup, from here: the accounts of unverified
            # addresses, then those whose own email field says it (one query more,
            # as in allauth, so an unknown address costs what it did).
            users = [entry.user for entry in found]
            seen = {user.pk for user in users}
            users += [
                user
                for user in User.objects.filter(email=email)
                if user.email.lower() == email and user.pk not in seen
            ]
            for user in users:
                if self._check_password(user, password):
                    return user
            return None
        for entry in verified:
            user = entry.user
            address = EmailAddress(
                id=entry.address_id,
                user=user,
                email=entry.address_email,
                verified=True,
                primary=bool(entry.primary),
            )
            EmailAddress.objects.fill_cache_for_user(user, [address])
            setattr(user, SECOND_FACTOR_ATTRIBUTE, bool(entry.second_factor))
            if self._check_password(user, password):
                return user
        return None
