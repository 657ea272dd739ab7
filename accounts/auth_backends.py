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

from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model

User = get_user_model()

#: Attribute of a user found by this backend: whether a second factor must be asked.
SECOND_FACTOR_ATTRIBUTE = "_sign_in_second_factor"
#: The authenticator types allauth's MFA login stage asks about.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


#: One statement: the accounts an address names, with the address and "second factor?".
#: Written as SQL once (the address as a parameter): the ORM compiled this join and
#: its subquery at every sign-in, for more time than the database spends answering it.
_LOOKUP_SQL = (  # noqa: S608 - constants only; the address is a parameter
    'SELECT u.*, a."id" AS address_id, a."email" AS address_email, '
    'a."verified" AS address_verified, a."primary" AS address_primary, '
    'EXISTS (SELECT 1 FROM "mfa_authenticator" f WHERE f."user_id" = u."id" '
    'AND f."type" IN ({types})) AS second_factor '
    'FROM "account_emailaddress" a JOIN "accounts_user" u ON u."id" = a."user_id" '
    'WHERE a."email" = %s'
).format(types=", ".join(f"'{kind.value}'" for kind in SECOND_FACTOR_TYPES))


class EmailAuthenticationBackend(AuthenticationBackend):
    def _authenticate_by_email(self, email, password):
        if not email:
            return None
        email = email.lower()
        found = [
            user
            for user in User.objects.raw(_LOOKUP_SQL, [email])
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
