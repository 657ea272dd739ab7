"""Row checks of the import files: one French reason per faulty cell.

Pure functions (no database): a cell in, a value or ``CellError`` out. Checks
that need the database (unknown organisation, duplicate across chunks...) live in
``imports.services``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identifiers import normalise, validate_siret
from accounts.models import Organisation

PARIS = ZoneInfo("Europe/Paris")

# Columns of each kind of file; "*" marks a required column.
KINDS: dict[str, list[str]] = {
    "organisations": ["siret*", "type*", "raison_sociale*", "adresse"],
    "users": ["email*", "prenom*", "nom*", "telephone", "cree_le*", "derniere_activite_le"],
    "memberships": ["email*", "siret*", "administrateur", "representant_legal"],
    "accesses": ["email*", "siret*", "plateforme*", "role*"],
    "cgu": ["email*", "version*", "acceptee_le*"],
}
# Files are processed in this order whatever the command line says: each kind
# refers to the ones before it.
ORDER = list(KINDS)
KIND_LABELS = {
    "organisations": "organisations",
    "users": "utilisateurs",
    "memberships": "rattachements",
    "accesses": "habilitations",
    "cgu": "acceptations des CGU",
}


class CellError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def columns(kind: str) -> list[str]:
    return [c.rstrip("*") for c in KINDS[kind]]


def required(kind: str) -> list[str]:
    return [c.rstrip("*") for c in KINDS[kind] if c.endswith("*")]


def detect_kind(header: list[str]) -> str | None:
    """The kind whose required columns are all in ``header`` (most specific first)."""
    present = set(header)
    for kind in ("accesses", "memberships", "users", "cgu", "organisations"):
        if set(required(kind)) <= present:
            return kind
    return None


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("'", " ").replace("\u2019", " ").split())


_KIND_ALIASES = {
    **{_fold(str(label)): value for value, label in Organisation.Kind.choices},
    **{value: value for value in Organisation.Kind.values},
    "of": Organisation.Kind.OF,
    "cfa": Organisation.Kind.CFA,
    "cabinet comptable": Organisation.Kind.CABINET_COMPTABLE,
    "cabinet rh": Organisation.Kind.CABINET_RH,
    "expert comptable": Organisation.Kind.CABINET_COMPTABLE,
}


def require(row: dict, column: str) -> str:
    value = row.get(column, "")
    if value in ("", None):
        raise CellError(column, _("Valeur obligatoire manquante."))
    return value


@lru_cache(maxsize=65_536)
def _siret_valid(value: str) -> bool:
    # Memberships and accesses repeat their organisation's SIRET on every row:
    # its check digits are computed once (bounded: memory stays flat).
    try:
        validate_siret(value)
    except ValidationError:
        return False
    return True


def parse_siret(row: dict, column: str = "siret") -> str:
    value = normalise(str(require(row, column)))
    if _siret_valid(value):
        return value
    try:
        validate_siret(value)
    except ValidationError as exc:
        raise CellError(column, " ".join(exc.messages)) from None
    return value


def parse_kind(row: dict) -> str:
    value = str(require(row, "type"))
    kind = _KIND_ALIASES.get(_fold(value).replace("_", " ")) or _KIND_ALIASES.get(value.lower())
    if kind is None:
        raise CellError(
            "type",
            _("Type d'organisation inconnu « %(value)s » (attendu : %(choices)s).")
            % {
                "value": value,
                "choices": ", ".join(str(lbl) for _v, lbl in Organisation.Kind.choices),
            },
        )
    return kind


def parse_text(row: dict, column: str, *, max_length: int, required_: bool = True) -> str:
    value = str(require(row, column) if required_ else row.get(column, "") or "")
    value = " ".join(value.split()) if column != "adresse" else value.strip()
    if len(value) > max_length:
        raise CellError(
            column,
            _("Texte trop long (%(length)s caractères, au plus %(max)s).")
            % {"length": len(value), "max": max_length},
        )
    return value


# A strict subset of what Django's validate_email accepts (dot-atom local part,
# letter-digit-hyphen labels, alphabetic TLD): the common address is accepted
# without the validator's cost; any other one goes through the validator.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
EMAIL_MAX_LENGTH = 254  # accounts.User.email


def parse_email(row: dict, column: str = "email") -> str:
    value = str(require(row, column)).strip().lower()
    if len(value) > EMAIL_MAX_LENGTH:
        raise CellError(
            column,
            _("Adresse e-mail trop longue (%(length)s caractères, au plus %(max)s).")
            % {"length": len(value), "max": EMAIL_MAX_LENGTH},
        )
    if _PLAIN_EMAIL.fullmatch(value):
        return value
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(
            column, _("Adresse e-mail invalide « %(value)s ».") % {"value": value}
        ) from None
    return value


_TRUE = {"oui", "o", "1", "true", "vrai", "x", "yes", "y"}
_FALSE = {"non", "n", "0", "false", "faux", "no", ""}


def parse_bool(row: dict, column: str) -> bool:
    value = _fold(str(row.get(column, "") or ""))
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CellError(
        column, _("Valeur « %(value)s » non reconnue : indiquez oui ou non.") % {"value": value}
    )


_DATE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T")
_FRENCH = re.compile(r"^(\d{2})/(\d{2})/(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$")


def parse_instant(row: dict, column: str, *, now, required_: bool = True) -> datetime | None:
    """An aware instant; naive values are Europe/Paris wall-clock times. Never in the future."""
    value = row.get(column, "")
    if value in ("", None):
        if required_:
            raise CellError(column, _("Date obligatoire manquante."))
        return None
    parsed = None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    else:
        text = str(value).strip()
        french = _FRENCH.match(text)
        if french:
            # The common case, without strptime's cost (a million rows).
            day, month, year, hour, minute, second = (int(g or 0) for g in french.groups())
            try:
                parsed = datetime(year, month, day, hour, minute, second)
            except ValueError:
                parsed = None
        elif _ISO.match(text):
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                parsed = None
        else:
            for fmt in _DATE_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
    if parsed is None:
        raise CellError(
            column,
            _(
                "Date illisible « %(value)s » (attendu : JJ/MM/AAAA HH:MM ou AAAA-MM-JJTHH:MM:SS+01:00)."
            )
            % {"value": value},
        )
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=PARIS)
    if parsed > now:
        raise CellError(
            column,
            _(
                "Date dans le futur (%(value)s) : une date de l'ancien système est forcément passée."
            )
            % {"value": parsed.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")},
        )
    return parsed
