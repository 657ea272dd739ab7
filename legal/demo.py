"""Demo data of the legal app (idempotent): site legal facts and a short CGU text.

The CGU text below is written for this demo; an OPCO administrator loads the
real text through the back-office (draft, preview, publish).
"""

from django.utils import timezone

from . import services
from .models import CGUVersion, SiteSettings

DEMO_LABEL = "Version de démonstration (novembre 2026)"

DEMO_TEXT = """\
# Conditions générales d'utilisation du centre de comptes

*Texte de démonstration : il sera remplacé par les conditions officielles.*

## 1. Objet

Le centre de comptes vous donne un identifiant unique pour accéder aux plateformes
d'OPCO Mobilités reliées à lui. Ces conditions fixent les règles d'usage de ce compte.

## 2. Votre compte

- Un compte correspond à une seule personne ; ne le partagez pas.
- Vous déclarez agir pour votre organisation en tant que représentant légal ou
  personne autorisée par lui, et pouvez devoir le justifier.
- Signalez sans attendre toute perte ou tout vol de vos identifiants : le compte est
  alors suspendu le temps de vous remettre de nouveaux accès.

## 3. Durée de vie du compte

Un compte inutilisé pendant 24 mois reçoit un avertissement, puis est désactivé et
supprimé selon les délais indiqués dans chaque message. Vous pouvez demander la
fermeture de votre compte à tout moment.

## 4. Données personnelles

Vos données servent uniquement à gérer vos accès. Vous pouvez les consulter, les
télécharger, les corriger ou demander leur effacement ; les contacts utiles figurent
sur la page « Données personnelles ».

## 5. Évolution des conditions

Toute nouvelle version vous est présentée avant de pouvoir continuer à utiliser le
service ; les versions précédentes restent consultables dans les archives.
"""

DEMO_SITE = {
    "editor_name": "OPCO Mobilités",
    "editor_legal_form": "Association loi 1901",
    "editor_address": "204 Rond-Point du Pont de Sèvres\n92100 Boulogne-Billancourt",
    "editor_registry": "RNA W691091656 — SIREN 851 240 499",
    "editor_email": "contact@opcomobilites.fr",
    "publication_director": "La directrice générale d'OPCO Mobilités",
    "dpo_email": "dpo@opcomobilites.fr",
    "dpo_postal_address": (
        "Délégué à la protection des données, OPCO Mobilités\n"
        "204 Rond-Point du Pont de Sèvres\n92100 Boulogne-Billancourt"
    ),
    "cnil_address": "CNIL — 3 place de Fontenoy, TSA 80715\n75334 Paris Cedex 07",
    "cnil_url": "https://www.cnil.fr/fr/plaintes",
}


def load(*, stdout=None) -> None:
    """Create the site settings and publish the demo CGU once (never twice)."""
    SiteSettings.objects.get_or_create(pk=1, defaults=DEMO_SITE)
    if not CGUVersion.objects.exists():
        draft = services.cgu_draft_create(
            label=DEMO_LABEL,
            text=DEMO_TEXT,
            summary="Première version publiée sur le centre de comptes.",
        )
        services.cgu_publish(version=draft, actor=None, now=timezone.now())
        if stdout is not None:
            stdout.write(f"  CGU publiées : {DEMO_LABEL}")
