"""Periodic tasks, declared in code.

django-celery-beat copies this mapping into its tables at each beat start:
edits made to these rows in the admin are overwritten, and a removed entry
stays in the table (disable it there). ``options.expires`` is dropped by the
DatabaseScheduler; use ``expire_seconds``.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE: dict = {
    # --- sso ---
    "platforms-oidc-cleartokens": {
        "task": "platforms.tasks.oidc_cleartokens",
        "schedule": crontab(minute=17),
    },
}
