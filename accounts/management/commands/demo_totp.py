"""Print the demo OPCO agent's current TOTP code (see accounts/demo.py)."""

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Affiche le code de double authentification du moment de l'agent de démonstration."

    def handle(self, *args, **options):
        # The middle counter of allauth's tolerance window is the current period.
        counters = list(yield_hotp_counters_from_time())
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counters[len(counters) // 2]))
        self.stdout.write(code)
