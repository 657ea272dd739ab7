"""``manage.py lifecycle_sweep [--now ISO-8601] [--dry-run]``: the hourly sweep by hand."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from lifecycle.sweep import lifecycle_sweep


class Command(BaseCommand):
    help = "Exécute le passage du cycle de vie (avertissements, désactivations, suppressions)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="Instant ISO 8601 avec fuseau (par défaut : maintenant)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Affiche ce qui serait fait, sans rien écrire."
        )

    def handle(self, *args, now=None, dry_run=False, **options):
        if now:
            instant = parse_datetime(now)
            if instant is None or timezone.is_naive(instant):
                raise CommandError("--now attend un instant ISO 8601 avec fuseau horaire.")
        else:
            instant = timezone.now()
        summary = lifecycle_sweep(now=instant, dry_run=dry_run)
        if summary.locked_out:
            self.stdout.write("Un autre passage est en cours : rien n'a été fait.")
            return
        title = "Passage à blanc" if dry_run else "Passage"
        self.stdout.write(f"{title} au {instant.isoformat()}")
        labels = {
            "deleted": "suppressions",
            "deactivated": "désactivations pour inactivité",
            "warned": "avertissements d'inactivité",
            "notices_requeued": "avis remis en file",
        }
        for key, label in labels.items():
            ids = getattr(summary, key)
            self.stdout.write(f"  {label} : {len(ids)}")
            if dry_run and key != "notices_requeued" and ids:
                for pk, email in User.objects.filter(pk__in=ids).values_list("pk", "email"):
                    self.stdout.write(f"    - #{pk} {email}")
        if summary.skipped:
            self.stdout.write(f"  ignorés (état changé entre-temps) : {len(summary.skipped)}")
