from django.db import migrations


class Migration(migrations.Migration):
    """Joins the three branches of issue 15: initiate_login_uri, organisation kinds, French labels."""

    dependencies = [
        ("platforms", "0006_platform_initiate_login_uri_and_signup_urls"),
        ("platforms", "0006_platform_organisation_kinds"),
        ("platforms", "0006_french_field_names"),
    ]

    operations = []
