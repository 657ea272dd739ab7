"""Periodic tasks, declared in code.

django-celery-beat copies this mapping into its tables at each beat start:
edits made to these rows in the admin are overwritten, and a removed entry
stays in the table (disable it there). ``options.expires`` is dropped by the
DatabaseScheduler; use ``expire_seconds``.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE: dict = {
    # --- lifecycle ---
    # Every 15 minutes from minute 0 (Europe/Paris, CELERY_TIMEZONE): deadlines fall
    # at 00:00 Paris, so deletions run in the first seconds of the day; a sweep
    # killed mid-way is resumed by the next run 15 minutes later, so every action
    # is done well within the hour after it falls due (docs/reliability.md).
    "lifecycle-sweep": {
        "task": "lifecycle.tasks.lifecycle_sweep_task",
        "schedule": crontab(minute="*/15"),
        "options": {"expire_seconds": 14 * 60},
    },
    # --- reliability ---
    # The outbox's drain: notices at the provider's rate, stranded ones within minutes.
    "lifecycle-notices-dispatch": {
        "task": "lifecycle.tasks.notices_dispatch_task",
        "schedule": 60.0,
        "options": {"expire_seconds": 55},
    },
    # The worker's heartbeat (a dead beat shows too: nothing sends this any more).
    "reliability-heartbeat": {
        "task": "lifecycle.tasks.heartbeat_task",
        "schedule": 60.0,
        "options": {"expire_seconds": 55},
    },
    # --- accounts ---
    # Expired web sessions and the user-session rows of ended sessions, set-wise.
    "accounts-sessions-purge": {
        "task": "accounts.tasks.sessions_purge_task",
        "schedule": crontab(minute=23, hour=3),
        "options": {"expire_seconds": 3000},
    },
    # --- sso ---
    "platforms-oidc-cleartokens": {
        "task": "platforms.tasks.oidc_cleartokens",
        "schedule": crontab(minute=17),
    },
}

# --- rights ---
CELERY_BEAT_SCHEDULE.update(
    {
        # Proof-of-authority reminders and suspension at the deadline: deadlines
        # fall at 00:00 Europe/Paris, so every 15 minutes keeps each action well
        # within the hour after it.
        "privacy-proof-sweep": {
            "task": "privacy.tasks.proof_sweep_task",
            "schedule": crontab(minute="*/15"),
            "options": {"expire_seconds": 14 * 60},
        },
        "privacy-dpo-reminders": {
            "task": "privacy.tasks.dpo_reminders_task",
            "schedule": crontab(minute=5),
            "options": {"expire_seconds": 50 * 60},
        },
    }
)

# --- shared signals (platforms.ssf) ---
CELERY_BEAT_SCHEDULE.update(
    {
        # Re-pick streams whose back-off ran out or whose worker died mid-delivery.
        "ssf-push-due": {
            "task": "platforms.ssf.tasks.ssf_push_due",
            "schedule": crontab(minute="*"),
            "options": {"expire_seconds": 55},
        },
        "ssf-events-prune": {
            "task": "platforms.ssf.tasks.ssf_events_prune",
            "schedule": crontab(minute=41, hour=3),
            "options": {"expire_seconds": 3000},
        },
    }
)
