"""Lifecycle demo data (``DEMO_DATA_LOADERS``): one account at each step, idempotent.

Accounts are created dated in the past and moved through the real services, so
the back-office shows a warned account, an account deactivated by its
organisation (with its deletion date) and one waiting in the review queue.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from . import services
from .models import DeactivationReason

DEMO = [
    ("dormant@transports-demo.fr", "Denis", "Dormant", "dormant"),
    ("averti@transports-demo.fr", "Anne", "Avertie", "warned"),
    ("desactive@transports-demo.fr", "Damien", "Désactivé", "deactivated"),
]


@transaction.atomic
def load(*, stdout) -> None:
    now = timezone.now()
    long_ago = now - timedelta(days=2 * 365 + 30)
    for email, first, last, step in DEMO:
        if User.objects.filter(email=email).exists():
            continue
        user = User.objects.create_user(
            email, None, first_name=first, last_name=last, date_joined=long_ago
        )
        user.last_activity_at = long_ago
        user.save(update_fields=["last_activity_at"])
        if step == "warned":
            services.account_warn(user=user, now=now)
        elif step == "deactivated":
            services.account_deactivate(
                user=user, actor=None, now=now, reason=DeactivationReason.ORG_ADMIN
            )
    stdout.write("Cycle de vie : comptes de démonstration prêts (back-office > Cycle de vie).")
