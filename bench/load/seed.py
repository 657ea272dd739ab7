"""Seed a stack for the fault tests and the load test: accounts and OIDC clients.

python bench/load/seed.py OUT.json N  (DJANGO_SETTINGS_MODULE and DATABASE_URL from the stack)

N accounts, loaded set-based (one password hash for all, ``bulk_create``): a
verified primary email each, a membership of one organisation, a role on
M-Gestion entreprise and a role on one more centralised platform (account n: the
platform n modulo their number, so the home page shows two platforms, close to
the 1.3 accesses per account of production). One OIDC client per centralised
platform (its secret written to OUT, with the emails that may use it).
"""

import json
import sys

import django

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organisation  # noqa: E402
from platforms.models import Access, Platform  # noqa: E402
from platforms.sso_services import platform_client_register  # noqa: E402

REDIRECT_URI = "http://rp.example.test/oidc/callback/"
PASSWORD = "load test password 42!"  # noqa: S105


def main(out: str, count: int) -> None:
    User = get_user_model()
    now = timezone.now()
    home = Platform.objects.get(code="mgestion-entreprise")
    platforms = list(
        Platform.objects.filter(is_centralised=True).prefetch_related("roles").order_by("code")
    )
    role_of = {platform.pk: platform.roles.order_by("code").first() for platform in platforms}
    organisation, _ = Organisation.objects.get_or_create(
        siret="73282932000074",
        defaults={"legal_name": "Transports Charge", "siren": "732829320", "kind": "entreprise"},
    )
    hashed = make_password(PASSWORD)
    emails = [f"charge{n:05d}@transports-charge.fr" for n in range(count)]
    with transaction.atomic():
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        fresh = [
            User(email=email, password=hashed, last_activity_at=now, date_joined=now)
            for email in emails
            if email not in existing
        ]
        User.objects.bulk_create(fresh, batch_size=1000)
        users = {user.email: user for user in User.objects.filter(email__in=emails)}
        new = [users[user.email] for user in fresh]
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in new],
            batch_size=1000,
        )
        memberships = Membership.objects.bulk_create(
            [Membership(user=u, organisation=organisation) for u in new], batch_size=1000
        )
        accesses = []
        for membership in memberships:
            n = int(membership.user.email[6:11])
            for platform in {home, platforms[n % len(platforms)]}:
                accesses.append(
                    Access(membership=membership, platform=platform, role=role_of[platform.pk])
                )
        Access.objects.bulk_create(accesses, batch_size=1000)
    clients = []
    for index, platform in enumerate(platforms):
        registration = platform_client_register(
            platform=platform, redirect_uris=[REDIRECT_URI], backchannel_logout_uri="", now=now
        )
        clients.append(
            {
                "platform": platform.code,
                "client_id": registration.client.id,
                "client_secret": registration.secret,
                "emails": [e for n, e in enumerate(emails) if n % len(platforms) == index],
            }
        )
    first = next(client for client in clients if client["platform"] == home.code)
    with open(out, "w") as handle:
        json.dump(
            {
                "emails": emails,
                "password": PASSWORD,
                "client_id": first["client_id"],
                "client_secret": first["client_secret"],
                "clients": clients,
                "redirect_uri": REDIRECT_URI,
            },
            handle,
        )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
