"""What the product writes on disk stays under var/ (nothing committed, nothing left in /tmp)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def test_the_filesystem_broker_keeps_its_control_folder_under_var():
    """kombu's default ``control/`` would land in the working directory (and in git)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['control_folder'])",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    control = Path(out.stdout.strip())
    assert control.is_relative_to(BASE_DIR / "var")


def test_uploads_of_the_test_session_live_under_var_not_in_the_system_temp():
    assert Path(settings.PRIVATE_MEDIA_ROOT).is_relative_to(BASE_DIR / "var" / "test")
