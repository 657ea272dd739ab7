from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Cycle de vie des comptes")

    def ready(self) -> None:
        # Connect the signal receivers, and register the Celery tasks in every
        # process (``lifecycle.outbox`` queues ``notice_send`` by name).
        from . import signals, tasks  # noqa: F401

        # A sign-in's last_login is written with its activity (signals.record_sign_in).
        user_logged_in.disconnect(dispatch_uid="update_last_login")
