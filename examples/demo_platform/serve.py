"""Start the demo platform: migrate its own database, then serve on 127.0.0.1:8001."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ["DJANGO_SETTINGS_MODULE"] = "demo_platform.settings"

if __name__ == "__main__":
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command(
        "runserver", os.environ.get("DEMO_PLATFORM_ADDR", "127.0.0.1:8001"), use_reloader=False
    )
