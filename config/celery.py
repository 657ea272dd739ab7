"""The Celery application.

The broker is Redis in production and kombu's ``filesystem://`` transport under
``var/`` for the embedded default, both chosen by ``CELERY_BROKER_URL``. Beat uses
django-celery-beat's DatabaseScheduler; the periodic tasks are declared in
``CELERY_BEAT_SCHEDULE`` (settings) so that they live in code.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("mhabilitations")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The worker sums the sweep's actions for /metrics (a task_postrun receiver).
from config import metrics  # noqa: E402, F401
