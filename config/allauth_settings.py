"""allauth's settings read in about a microsecond (``ALLAUTH_SETTING_GETTER``).

allauth reads each of its settings through ``allauth.utils.get_setting`` at every
use, about forty reads per password sign-in at 12 to 16 µs each: the getter hook is
itself looked up as a missing setting first, and every setting left at its default
makes Django's ``LazySettings`` raise and catch an ``AttributeError``. With this
getter as the hook, the names found absent are remembered (the ones present Django
already caches), so a read is a set lookup.

Invariant: the answer is always ``getattr(settings, name, default)``; a change of
settings (``override_settings``, pytest-django's ``settings``: Django's
``setting_changed``) forgets what was remembered.
"""

from django.conf import settings
from django.core.signals import setting_changed

_ABSENT = object()
_absent: set[str] = set()


def get(name: str, default):
    """``getattr(settings, name, default)``, with absent names remembered."""
    if name in _absent:
        return default
    value = getattr(settings, name, _ABSENT)
    if value is _ABSENT:
        _absent.add(name)
        return default
    return value


def _forget(**kwargs) -> None:
    _absent.clear()


setting_changed.connect(_forget, dispatch_uid="config.allauth_settings")
