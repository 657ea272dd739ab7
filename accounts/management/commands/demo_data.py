"""Load the demo data (idempotent): OPCO staff login, a demo organisation with
its administrator, two members with accesses and a pending join request.

Platforms and roles come from migrations. Running it twice doubles nothing.
Other apps add their demo data through ``DEMO_DATA_LOADERS`` (dotted paths of
callables taking ``stdout``), so that ``accounts`` does not import them.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts import services
from accounts.models import JoinRequest, Organisation, User
from platforms import services as platform_services
from platforms.models import Platform, Role

STAFF_EMAIL = "agent@opcomobilites.fr"
STAFF_PASSWORD = "demo-agent-opco-2026"  # noqa: S105 — demo only, printed on the console
ADMIN_EMAIL = "admin@transports-demo.fr"
ADMIN_PASSWORD = "demo-admin-orga-2026"  # noqa: S105 — demo only
DEMO_SIRET = "73282932000074"
# Colleagues of the demo administrator (no password: they never sign in).
DEMO_MEMBERS = [
    (
        "bruno.gestion@transports-demo.fr",
        "Bruno",
        "Gestion",
        [("mgestion-entreprise", "gestionnaire"), ("mcontributions", "gestionnaire")],
    ),
    ("carla.campus@transports-demo.fr", "Carla", "Campus", [("mcampus-entreprise", "adherent")]),
]
DEMO_CANDIDATE = "chloe.candidate@transports-demo.fr"


class Command(BaseCommand):
    help = "Charge les données de démonstration (sans doublon)."

    def handle(self, *args, **options):
        # Published passwords and secrets: never where real people sign in.
        # Checked before any database access (production.py sets it False).
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError(
                "Les données de démonstration (mots de passe publiés) sont refusées ici : "
                "DEMO_DATA_ALLOWED est faux (réglages de production)."
            )
        self._load()

    @transaction.atomic
    def _load(self):
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
        self._members(organisation, admin, now)
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

    def _members(self, organisation, admin, now) -> None:
        """Two colleagues with accesses and one pending join request, for "Mon organisation"."""
        for email, first, last, offers in DEMO_MEMBERS:
            user = self._user(email, None, first, last)
            membership = services.membership_create(
                user=user, organisation=organisation, is_administrator=False, now=now
            )
            for platform_code, role_code in offers:
                platform_services.access_grant(
                    membership=membership,
                    platform=Platform.objects.get(code=platform_code),
                    role=Role.objects.get(code=role_code),
                    granted_by=admin,
                    now=now,
                )
        candidate = self._user(DEMO_CANDIDATE, None, "Chloé", "Candidate")
        if not organisation.memberships.filter(user=candidate).exists():
            JoinRequest.objects.get_or_create(
                user=candidate,
                organisation=organisation,
                status=JoinRequest.Status.PENDING,
                defaults={"created_at": now},
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
