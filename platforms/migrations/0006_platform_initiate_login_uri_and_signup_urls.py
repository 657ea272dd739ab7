"""``Platform.initiate_login_uri`` (OIDC third-party-initiated login), and the sign-up
addresses of the platforms with their own accounts (from the terms of use, February
2025), so that "Mes services en ligne" links them on a fresh database. An address
already set by OPCO is kept.
"""

from django.db import migrations, models

import platforms.validators

SIGNUP_URLS = {
    "mtutorat": "https://m-tutorat.fr/inscription.php",
    "mtransition": "https://mtransition-energetique.opcomobilites.fr/signup?next=%2F",
}


def fill_signup_urls(apps, schema_editor):
    Platform = apps.get_model("platforms", "Platform")
    for code, url in SIGNUP_URLS.items():
        Platform.objects.filter(code=code, url="").update(url=url)


class Migration(migrations.Migration):
    dependencies = [("platforms", "0005_saml_staff_permissions")]

    operations = [
        migrations.AddField(
            model_name="platform",
            name="initiate_login_uri",
            field=models.URLField(
                blank=True,
                help_text=(
                    "Adresse de la plateforme qui démarre la connexion SSO (initiate_login_uri, "
                    "OpenID Connect Core §4), en https. Le centre de comptes y ajoute iss et "
                    "target_link_uri. Vide : « Mes services en ligne » ouvre l'adresse de la "
                    "plateforme."
                ),
                max_length=500,
                validators=[platforms.validators.validate_initiate_login_uri],
                verbose_name="URI de connexion initiée par un tiers",
            ),
        ),
        migrations.RunPython(fill_signup_urls, migrations.RunPython.noop),
    ]
