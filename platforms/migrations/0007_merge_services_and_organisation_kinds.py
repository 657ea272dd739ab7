from django.db import migrations


class Migration(migrations.Migration):
    """Joins the two branches of issue 15: initiate_login_uri and organisation kinds."""

    dependencies = [
        ("platforms", "0006_platform_initiate_login_uri_and_signup_urls"),
        ("platforms", "0006_platform_organisation_kinds"),
    ]

    operations = []
