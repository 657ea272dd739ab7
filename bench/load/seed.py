"""Seed a stack for the fault tests and the load test: users, a platform client.

python bench/load/seed.py OUT.json N  (DJANGO_SETTINGS_MODULE and DATABASE_URL from the stack)

Each user has a verified email, a membership and a role on M-Gestion entreprise;
one OIDC client is registered for that platform (its secret is written to OUT).
"""

import json
import sys

import django

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organisation  # noqa: E402
from platforms.models import Access, Platform, Role  # noqa: E402
from platforms.sso_services import platform_client_register  # noqa: E402

REDIRECT_URI = "http://rp.example.test/oidc/callback/"
PASSWORD = "load test password 42!"  # noqa: S105


def main(out: str, count: int) -> None:
    User = get_user_model()
    now = timezone.now()
    platform = Platform.objects.get(code="mgestion-entreprise")
    role = Role.objects.get(code="gestionnaire")
    organisation, _ = Organisation.objects.get_or_create(
        siret="73282932000074",
        defaults={"legal_name": "Transports Charge", "siren": "732829320", "kind": "entreprise"},
    )
    hashed = make_password(PASSWORD)
    emails = []
    for n in range(count):
        email = f"charge{n:04d}@transports-charge.fr"
        user, created = User.objects.get_or_create(
            email=email, defaults={"password": hashed, "last_activity_at": now, "date_joined": now}
        )
        if created:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            membership = Membership.objects.create(user=user, organisation=organisation)
            Access.objects.create(membership=membership, platform=platform, role=role)
        emails.append(email)
    registration = platform_client_register(
        platform=platform, redirect_uris=[REDIRECT_URI], backchannel_logout_uri="", now=now
    )
    with open(out, "w") as handle:
        json.dump(
            {
                "emails": emails,
                "password": PASSWORD,
                "client_id": registration.client.id,
                "client_secret": registration.secret,
                "redirect_uri": REDIRECT_URI,
            },
            handle,
        )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
