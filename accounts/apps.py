from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes et organisations")

    def ready(self) -> None:
        self._connect_security_signals()
        self._brand_admin_site()
        self._speak_french()
        # The admin app (first in INSTALLED_APPS) has imported every admin module.
        from .admin_security import install

        install()

    @staticmethod
    def _speak_french() -> None:
        """French names for libraries' apps, models, fields and every default permission."""
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from . import french

        french.install()
        # After the last app's permissions are created (auth's receiver runs first).
        last = [config for config in apps.get_app_configs() if config.models_module][-1]
        post_migrate.connect(
            french.permissions_in_french, sender=last, dispatch_uid="accounts_french_permissions"
        )

    @staticmethod
    def _brand_admin_site() -> None:
        """The back-office's name in its header, browser tab and index page (one place)."""
        from django.contrib import admin

        admin.site.site_header = _("Back-office OPCO Mobilités")
        admin.site.site_title = _("Back-office OPCO Mobilités")
        admin.site.index_title = _("Administration du centre de comptes")

    @staticmethod
    def _connect_security_signals() -> None:
        from allauth.account import signals as allauth_signals
        from allauth.usersessions import signals as usersessions_signals
        from django.contrib.auth.signals import user_logged_in

        from . import signals

        user_logged_in.connect(signals.on_user_logged_in, dispatch_uid="security_logged_in")
        # The user-session row of a new sign-in in two statements (accounts.sessions),
        # instead of allauth's receiver (a read per earlier session, two savepoints).

        from .sessions import usersession_sign_in

        allauth_signals.user_logged_in.disconnect(receiver=usersessions_signals.on_user_logged_in)
        allauth_signals.user_logged_in.connect(
            usersession_sign_in, dispatch_uid="accounts_usersession_sign_in"
        )
        allauth_signals.password_changed.connect(
            signals.on_password_changed, dispatch_uid="security_password_changed"
        )
        allauth_signals.password_set.connect(
            signals.on_password_changed, dispatch_uid="security_password_set"
        )
        allauth_signals.password_reset.connect(
            signals.on_password_reset, dispatch_uid="security_password_reset"
        )
