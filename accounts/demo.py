"""Demo data loader (``DEMO_DATA_LOADERS``): the demo OPCO agent's second factor.

Staff accounts reach the back-office only with a second factor. For the demo the
agent gets a TOTP authenticator with a fixed, published secret (``DEMO_TOTP_SECRET``),
so that ``manage.py demo_totp`` can print the current code: no phone needed to try
the product. Never for real accounts (``demo_data`` is the only caller).
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from .models import User

DEMO_STAFF_EMAIL = "agent@opcomobilites.fr"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPOPCODEMO"  # noqa: S105 - demo only, printed on purpose


def load(stdout=None) -> None:
    """Give the demo agent the demo TOTP authenticator unless he already has one."""
    agent = User.objects.filter(email=DEMO_STAFF_EMAIL).first()
    if agent is None:
        return
    if not Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(agent, DEMO_TOTP_SECRET)
    if stdout is not None:
        stdout.write(
            "  Double authentification de l'agent : code du moment avec "
            "`python3 -m uv run --frozen python manage.py demo_totp` "
            f"(ou ajoutez la clé {DEMO_TOTP_SECRET} à une application d'authentification)\n"
        )
