"""Seed the eight platforms of DOMAIN.md, the seven roles and sensible role offers.

Legal facts are data (editable in the back-office); they are facts drawn from the
February 2025 legal notice, not its text. Re-running is harmless (update_or_create).
"""

from django.db import migrations

OPCO = {
    "name": "OPCO Mobilités",
    "address": "204 Rond-Point du Pont de Sèvres, 92100 Boulogne-Billancourt",
    "registry": "RNA W691091656 — SIREN 851 240 499",
}
RICH_ID = {
    "name": "RICH-ID",
    "address": "8, rue Saint-Augustin, 75002 Paris",
    "registry": "RCS Paris — SIREN 437 897 796",
}
O2SWITCH = {
    "name": "O2SWITCH",
    "address": "222, chemin des Pardiaux, 63000 Clermont-Ferrand",
    "registry": "RCS Clermont-Ferrand — SIREN 510 909 807",
}
DIDASK = {
    "name": "DIDASK",
    "address": "60 bis, rue Sadi Carnot, 93170 Bagnolet",
    "registry": "RCS Paris — SIREN 808 859 276",
}
CAFOC = {
    "name": "GIP FTLV de Bourgogne — Service CAFOC",
    "address": "2G, rue Général Delaborde, 21000 Dijon",
    "registry": "SIREN 182 100 263",
}

ROLES = [
    ("gestionnaire", "Gestionnaire"),
    ("administrateur", "Administrateur"),
    ("administrateur-cabinet-rh", "Administrateur Cabinet RH"),
    ("cabinet-comptable", "Cabinet comptable"),
    ("consultant", "Consultant"),
    ("adherent", "Adhérent"),
    ("partenaire", "Partenaire"),
]

# code, name, centralised, pop-in, host, designer, contact, roles
PLATFORMS = [
    (
        "mgestion-entreprise",
        "M-Gestion Entreprise",
        True,
        True,
        OPCO,
        OPCO,
        "contact@opcomobilites.fr",
        ["gestionnaire", "administrateur", "cabinet-comptable"],
    ),
    (
        "mgestion-of",
        "M-Gestion OF",
        True,
        True,
        OPCO,
        OPCO,
        "contact@opcomobilites.fr",
        ["gestionnaire", "administrateur"],
    ),
    (
        "mcontributions",
        "M-Contributions",
        True,
        True,
        OPCO,
        OPCO,
        "contact@opcomobilites.fr",
        ["gestionnaire", "administrateur", "cabinet-comptable", "adherent"],
    ),
    (
        "mcampus-entreprise",
        "M-Campus Entreprise",
        True,
        False,
        RICH_ID,
        RICH_ID,
        "contact@opcomobilites.fr",
        ["gestionnaire", "administrateur", "adherent"],
    ),
    (
        "mcampus-of",
        "M-Campus OF",
        True,
        False,
        RICH_ID,
        RICH_ID,
        "contact@opcomobilites.fr",
        ["gestionnaire", "administrateur", "partenaire"],
    ),
    (
        "mgepp",
        "M-GEPP Solution",
        True,
        False,
        OPCO,
        RICH_ID,
        "contact@opcomobilites.fr",
        ["administrateur", "administrateur-cabinet-rh", "consultant", "adherent"],
    ),
    ("mtutorat", "M-Tutorat", False, False, O2SWITCH, CAFOC, "support@o2switch.fr", []),
    (
        "mtransition",
        "M-Transition Energétique",
        False,
        False,
        DIDASK,
        DIDASK,
        "contact@didask.com",
        [],
    ),
]


def seed(apps, schema_editor):
    Role = apps.get_model("platforms", "Role")
    Platform = apps.get_model("platforms", "Platform")
    roles = {}
    for code, name in ROLES:
        roles[code], _ = Role.objects.update_or_create(code=code, defaults={"name": name})
    for position, (code, name, centralised, popin, host, designer, contact, offered) in enumerate(
        PLATFORMS
    ):
        platform, _ = Platform.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "is_centralised": centralised,
                "deactivation_popin": popin,
                "position": position,
                "contact_email": contact,
                "host_name": host["name"],
                "host_address": host["address"],
                "host_registry": host["registry"],
                "designer_name": designer["name"],
                "designer_address": designer["address"],
                "designer_registry": designer["registry"],
            },
        )
        platform.roles.set([roles[r] for r in offered])


class Migration(migrations.Migration):
    dependencies = [("platforms", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
