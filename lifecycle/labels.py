"""French labels of the account journal: actions, reasons, details (one place).

Used by the back-office journal (``lifecycle.admin.JournalInline``) and by the
user's "Mes données" page (``privacy``). The journal stores machine codes
(``deactivated``, ``opco``, ``{"organisation": ...}``); these functions turn
them into French for people and leave the stored rows and the JSON export
untouched. An unknown code is shown as is (never an error).
"""

import datetime as dt

from django.utils import formats, timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountState, DeactivationReason, SuspensionReason

from .models import ActorKind, Notice

ACTION_LABELS = {
    # accounts
    "membership_created": _("Rattachement à une organisation"),
    "membership_removed": _("Retrait d'une organisation"),
    "invitation_sent": _("Invitation envoyée"),
    "invitation_cancelled": _("Invitation annulée"),
    "invitation_accepted": _("Invitation acceptée"),
    "join_request_approved": _("Demande de rattachement acceptée"),
    "join_request_refused": _("Demande de rattachement refusée"),
    # platforms
    "access_granted": _("Habilitation accordée"),
    "access_revoked": _("Habilitation retirée"),
    # legal
    "cgu_accepted": _("CGU acceptées"),
    "cgu_declined": _("CGU refusées"),
    # lifecycle
    "deactivated": _("Compte désactivé"),
    "deactivation_reason_changed": _("Motif de désactivation modifié"),
    "reactivated": _("Compte réactivé"),
    "reactivated_by_sign_in": _("Compte réactivé par une connexion"),
    "suspended": _("Compte suspendu"),
    "suspension_reason_changed": _("Motif de suspension modifié"),
    "suspension_lifted": _("Suspension levée"),
    "warned": _("Avertissement d'inactivité"),
    "warning_cancelled": _("Avertissement d'inactivité levé"),
    "notice_accepted": _("Avis remis au prestataire d'envoi"),
    "notice_refused": _("Avis refusé par le prestataire d'envoi"),
    "notice_bounced": _("Avis non distribué"),
    "notice_resent": _("Avis renvoyé"),
    # privacy
    "closure_requested": _("Clôture du compte demandée"),
    "closure_withdrawn": _("Demande de clôture retirée"),
    "closure_processed": _("Demande de clôture traitée"),
    "dpo_request_received": _("Demande au DPO reçue"),
    "dpo_request_extended": _("Délai de réponse du DPO prolongé"),
    "dpo_request_answered": _("Demande au DPO répondue"),
    "lost_credentials_reported": _("Identifiants perdus ou volés signalés"),
    "sign_in_email_replaced": _("Adresse de connexion remplacée"),
    "new_access_issued": _("Nouvel accès délivré"),
    "new_access_used": _("Nouvel accès utilisé"),
    "proof_requested": _("Justificatif de pouvoir demandé"),
    "proof_uploaded": _("Justificatif de pouvoir déposé"),
    "proof_accepted": _("Justificatif de pouvoir accepté"),
    "proof_rejected": _("Justificatif de pouvoir refusé"),
    "proof_reminder_sent": _("Relance pour le justificatif de pouvoir"),
    "accesses_suspended_missing_proof": _("Habilitations suspendues (justificatif manquant)"),
    "profile_rectified": _("Informations personnelles rectifiées"),
}

REASON_LABELS = {
    **dict(DeactivationReason.choices),
    **dict(SuspensionReason.choices),
    # legal.models.CGUAcceptance.Context (lifecycle does not import legal)
    "signup": _("Inscription"),
    "reacceptance": _("Nouvelle acceptation"),
    "sso": _("Connexion à une plateforme (SSO)"),
}

#: Values of the journal's ``data`` and of the export's fields that are codes.
VALUE_LABELS = {
    **dict(AccountState.choices),
    **dict(Notice.Kind.choices),
    **dict(ActorKind.choices),
}

DATA_LABELS = {
    "organisation": _("Organisation (SIRET)"),
    "administrator": _("Administrateur"),
    "email": _("Adresse e-mail"),
    "new_email": _("Nouvelle adresse"),
    "previous_domain": _("Domaine de l'ancienne adresse"),
    "platform": _("Plateforme"),
    "role": _("Rôle"),
    "kind": _("Type"),
    "deadline": _("Échéance"),
    "from": _("État précédent"),
    "note": _("Note"),
    "method": _("Méthode de connexion"),
    "last_activity_at": _("Dernière activité"),
    "version": _("Version"),
    "label": _("Libellé"),
    "hash": _("Empreinte"),
    "accesses": _("Habilitations"),
    "fields": _("Champs"),
    "request": _("Demande n°"),
    "invitation": _("Invitation n°"),
    "report": _("Signalement n°"),
    "channel": _("Canal"),
    "reason": _("Motif"),
    "granted_at": _("Accordée le"),
    "granted_by": _("Accordée par"),
}

#: Keys whose values are codes: (label lookup) -- elsewhere a string is shown as is.
REASON_KEYS = {"reason", "deactivation_reason", "suspension_reason", "context"}
CODE_KEYS = {"state", "kind", "actor_kind", "from"}

#: Keys of ``data`` not worth showing to a person.
HIDDEN_DATA_KEYS = {"logout_token"}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def reason_label(code: str) -> str:
    if not code:
        return ""
    return str(REASON_LABELS.get(code, code))


def _parse_instant(text: str):
    if len(text) < 16 or text[4:5] != "-" or "T" not in text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else None


def instant(value) -> str:
    """An instant on the Paris wall clock (settings.TIME_ZONE): "26/11/2026 10:42"."""
    return formats.date_format(timezone.localtime(value), "d/m/Y H:i")


def display_value(value, key: str = "") -> str:
    """A stored value for a person: Oui/Non, Paris time for instants, labels for codes.

    ``key`` (the field or data key) says whether a string is a code to translate.
    """
    if isinstance(value, str) and value:
        if key == "action":
            return action_label(value)
        if key in REASON_KEYS:
            return reason_label(value)
        if key in CODE_KEYS and value in VALUE_LABELS:
            return str(VALUE_LABELS[value])
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _g("Oui") if value else _g("Non")
    if isinstance(value, dt.datetime):
        return instant(value) if timezone.is_aware(value) else str(value)
    if isinstance(value, str):
        parsed = _parse_instant(value)
        return instant(parsed) if parsed is not None else value
    if isinstance(value, list):
        return ", ".join(display_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return data_sentence(value) or "—"
    return str(value)


def data_items(data) -> list[tuple[str, str]]:
    """The journal's ``data`` as (French label, readable value) pairs."""
    if not isinstance(data, dict):
        return [] if data in (None, "") else [("", display_value(data))]
    return [
        (str(DATA_LABELS.get(key, key)), display_value(value, key))
        for key, value in data.items()
        if key not in HIDDEN_DATA_KEYS
    ]


def data_sentence(data) -> str:
    """The journal's ``data`` as one short line: "Organisation (SIRET) : 123… ; Administrateur : Non"."""
    return " ; ".join(
        f"{label} : {value}" if label else value for label, value in data_items(data)
    )
