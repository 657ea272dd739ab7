"""``manage.py platform_client PLATFORM_CODE --redirect-uri URI [...]``.

Registers (or updates) the OpenID Connect client of a centralised platform and
prints its client id and, when one is issued (creation or ``--rotate-secret``),
its secret — once: only a hash is stored.
"""

import argparse

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from platforms import sso_services as services
from platforms.models import Platform


class Command(BaseCommand):
    help = "Enregistre le client OpenID Connect d'une plateforme et affiche son secret une fois."

    def add_arguments(self, parser):
        parser.add_argument("platform_code")
        parser.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
        parser.add_argument(
            "--post-logout-redirect-uri", action="append", dest="post_logout_redirect_uris"
        )
        parser.add_argument("--backchannel-logout-uri", default=None)
        parser.add_argument(
            "--initiate-login-uri",
            default=None,
            help="Connexion initiée par un tiers (OpenID Connect Core §4), en https.",
        )
        parser.add_argument("--rotate-secret", action="store_true")
        parser.add_argument(
            "--native",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Application native (RFC 8252) : port libre sur 127.0.0.1 / [::1].",
        )

    def handle(self, *args, **options):
        platform = Platform.objects.filter(code=options["platform_code"]).first()
        if platform is None:
            raise CommandError(f"Plateforme inconnue : {options['platform_code']}")
        try:
            registration = services.platform_client_register(
                platform=platform,
                redirect_uris=options["redirect_uris"],
                native=options["native"],
                post_logout_redirect_uris=options["post_logout_redirect_uris"],
                backchannel_logout_uri=options["backchannel_logout_uri"],
                initiate_login_uri=options["initiate_login_uri"],
                rotate_secret=options["rotate_secret"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        verb = "créé" if registration.created else "mis à jour"
        self.stdout.write(f"Client {verb} pour {platform.name}.")
        self.stdout.write(f"client_id={registration.client.id}")
        if registration.secret:
            self.stdout.write(f"client_secret={registration.secret}")
            self.stdout.write(
                self.style.WARNING("Copiez ce secret maintenant : il ne sera plus affiché.")
            )
