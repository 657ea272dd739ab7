"""Load the demo data (idempotent): OPCO staff login, a demo organisation.

Platforms and roles come from migrations. Running it twice doubles nothing.
Other apps add their demo data through ``DEMO_DATA_LOADERS`` (dotted paths of
callables taking ``stdout``), so that ``accounts`` does not import them.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts import services
from accounts.models import Organisation, User

STAFF_EMAIL = "agent@opcomobilites.fr"
STAFF_PASSWORD = "demo-agent-opco-2026"  # noqa: S105 — demo only, printed on the console
ADMIN_EMAIL = "admin@transports-demo.fr"
ADMIN_PASSWORD = "demo-admin-orga-2026"  # noqa: S105 — demo only
DEMO_SIRET = "73282932000074"


class Command(BaseCommand):
    help = "Charge les données de démonstration (sans doublon)."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        staff = self._user(STAFF_EMAIL, STAFF_PASSWORD, "Agent", "OPCO", is_staff=True)
        if not staff.is_superuser:
            staff.is_superuser = True
            staff.save(update_fields=["is_superuser"])
        admin = self._user(ADMIN_EMAIL, ADMIN_PASSWORD, "Alice", "Démo")
        organisation, _ = Organisation.objects.get_or_create(
            siret=DEMO_SIRET,
            defaults={
                "siren": DEMO_SIRET[:9],
                "kind": Organisation.Kind.ENTREPRISE,
                "legal_name": "Transports Démo",
                "address": "1 rue de la Démo, 75001 Paris",
            },
        )
        services.membership_create(
            user=admin,
            organisation=organisation,
            is_administrator=True,
            is_legal_representative=True,
            now=now,
        )
        for path in getattr(settings, "DEMO_DATA_LOADERS", []):
            import_string(path)(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                "\nDonnées de démonstration prêtes.\n"
                f"  Back-office OPCO : http://127.0.0.1:8000/admin/  {STAFF_EMAIL} / {STAFF_PASSWORD}\n"
                f"  Administrateur d'organisation : http://127.0.0.1:8000/accounts/login/  "
                f"{ADMIN_EMAIL} / {ADMIN_PASSWORD}\n"
            )
        )

    def _user(self, email, password, first, last, *, is_staff=False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, password, first_name=first, last_name=last, is_staff=is_staff
            )
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user
