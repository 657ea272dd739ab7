"""CSV export of CGU acceptances (proof for one user or one version)."""

import csv

from django.http import HttpResponse
from django.utils.translation import gettext as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Neutralise spreadsheet formulas (a user agent is attacker-controlled)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def acceptances_csv(acceptances, *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # BOM: spreadsheet software then reads UTF-8 correctly
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("utilisateur (id)"),
            _("e-mail"),
            _("version (id)"),
            _("version"),
            _("empreinte SHA-256"),
            _("acceptée le (UTC)"),
            _("adresse IP"),
            _("navigateur"),
            _("contexte"),
        ]
    )
    for acceptance in acceptances:
        writer.writerow(
            [
                _cell(acceptance.user_id),
                _cell(acceptance.user.email),
                _cell(acceptance.version_id),
                _cell(acceptance.version.label),
                _cell(acceptance.version_hash),
                _cell(acceptance.accepted_at.isoformat()),
                _cell(acceptance.ip_address),
                _cell(acceptance.user_agent),
                _cell(acceptance.get_context_display()),
            ]
        )
    return response
