"""Which kinds of organisation may use each platform, as data (issue 15 item 12).

Seeded from the platforms' audiences (DOMAIN.md, CGU art. 4.2): M-Gestion OF and
M-Campus OF serve training organisations (OF and CFA); the company platforms serve
companies, with accounting firms on M-Gestion Entreprise and M-Contributions (the
"Cabinet comptable" role) and HR consultancies on M-GEPP Solution (the "Administrateur
Cabinet RH" and "Consultant" roles). Platforms with their own accounts get none.
OPCO edits the lists in the back-office afterwards.
"""

from django.db import migrations, models

KINDS = {
    "mgestion-entreprise": ["entreprise", "cabinet_comptable"],
    "mgestion-of": ["of", "cfa"],
    "mcontributions": ["entreprise", "cabinet_comptable"],
    "mcampus-entreprise": ["entreprise"],
    "mcampus-of": ["of", "cfa"],
    "mgepp": ["entreprise", "cabinet_rh"],
}


def seed(apps, schema_editor):
    Platform = apps.get_model("platforms", "Platform")
    for code, kinds in KINDS.items():
        Platform.objects.filter(code=code).update(organisation_kinds=kinds)


class Migration(migrations.Migration):
    dependencies = [("platforms", "0005_saml_staff_permissions")]

    operations = [
        migrations.AddField(
            model_name="platform",
            name="organisation_kinds",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Les habilitations de cette plateforme ne peuvent être accordées qu'aux "
                    "organisations de ces types."
                ),
                verbose_name="types d'organisation autorisés",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
