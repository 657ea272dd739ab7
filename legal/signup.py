"""The CGU version shown on the sign-up form: checked at submit, recorded at sign-up.

The sign-up template (``templates/account/signup.html``, owned by legal) links the
version in force and renders its pk in the hidden field ``cgu_version`` (the field
belongs to ``accounts.forms.SignupForm``; accounts does not know what it means).

- ``check_shown_version`` is ``ACCOUNTS_SIGNUP_TERMS_CHECK``: the sign-up form's
  ``clean()`` calls it. The shown version must be the one in force at submit time
  (empty when none is in force); otherwise the form is invalid, nothing is created,
  and the page re-renders with the new version linked and the box unticked.
- ``shown_version`` gives legal's ``user_signed_up`` receiver the version to record:
  the one named by the sign-up POST, which the form has just validated. So the proof
  names the text the person was shown, even if another one came into force since.

Reads only; writes nothing.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import CGUVersion

FIELD_NAME = "cgu_version"

CHANGED_MESSAGE = _(
    "Les conditions générales d'utilisation ont changé pendant votre inscription : "
    "lisez la nouvelle version et cochez à nouveau la case."
)


def _parse(raw) -> int | None:
    """The pk named by the field (None when empty); ValueError for anything else."""
    value = (raw or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise ValueError(value)
    return int(value)


def check_shown_version(*, shown: str, now: datetime) -> None:
    """Raise ValidationError unless ``shown`` names the version in force at ``now``.

    No version in force: ``shown`` must be empty (sign-up records nothing then).
    A missing or malformed value is refused when a version is in force.
    """
    in_force = selectors.cgu_in_force(now=now)
    try:
        shown_pk = _parse(shown)
    except ValueError:
        raise ValidationError(CHANGED_MESSAGE, code="cgu_changed") from None
    if shown_pk != (in_force.pk if in_force is not None else None):
        raise ValidationError(CHANGED_MESSAGE, code="cgu_changed")


def shown_version(request: HttpRequest | None) -> CGUVersion | None:
    """The published version named by the (already validated) sign-up POST, if any."""
    if request is None:
        return None
    try:
        pk = _parse(request.POST.get(FIELD_NAME))
    except ValueError:
        return None
    if pk is None:
        return None
    return selectors.cgu_published().filter(pk=pk).first()
