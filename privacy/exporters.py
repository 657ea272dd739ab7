"""The personal-data exporter registry ("Mes données" page and JSON download).

How an app contributes
----------------------
1. Explicitly: define ``<app>/personal_data.py`` with a list ``EXPORTERS`` of
   ``(key, label, callable)``; ``callable(user)`` returns JSON-ready data (dicts,
   lists, str, int, bool, None) about ``user`` only. Optionally a tuple
   ``EXPORTED_MODELS`` of "app_label.ModelName" it covers. The app does not
   import ``privacy``: the modules are discovered at call time. ``privacy``
   itself registers exporters here with ``register``.
2. Automatically: every other installed model of a project app with a direct
   foreign key to the user is exported by the generic exporter, rows selected
   by the field that owns the row (the one named ``user``, else every user
   foreign key that is not ``SET_NULL``). So a model added by any app appears in
   the export without further work; register an explicit exporter to shape it.

Every section has a French title (the exporter's label; for a generic section
the model's ``verbose_name_plural``, or ``GENERIC_SECTION_LABELS``) and its
keys French labels for the "Mes données" page (``field_labels``): the
exporter's ``fields`` (``register(fields=...)``, or ``FIELD_LABELS`` in a
``personal_data`` module), then ``COMMON_FIELD_LABELS``, then the model's field
``verbose_name``. The JSON download (``for_download``) uses the same French titles,
labels and readable values: a person opens it and reads it.

Invariants: an export holds only rows about the user; references to other
people are reduced to "OPCO agent" / "another user" (no name, no email);
secrets (password hashes, tokens, MFA secrets) are never exported.
"""

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Token
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import JoinRequest, Membership
from lifecycle.labels import DATA_LABELS, HIDDEN_DATA_KEYS, display_value, instant

from .models import ClosureRequest, DpoRequest, LostCredentialsReport, ProofRequest

PROJECT_APPS = ("accounts", "platforms", "lifecycle", "legal", "privacy")
SECRET_FIELD_NAMES = {"password", "token", "key", "secret", "hash", "session_key"}
SECRET_SUFFIXES = ("_token", "_secret", "_hash", "_key")
FORMAT_VERSION = 1


#: French labels of the keys the exporters share (the page's key/value tables).
COMMON_FIELD_LABELS = {
    "id": _("Numéro"),
    "email": _("Adresse e-mail"),
    "first_name": _("Prénom"),
    "last_name": _("Nom"),
    "phone": _("Téléphone"),
    "is_active": _("Compte actif"),
    "is_staff": _("Agent OPCO Mobilités"),
    "date_joined": _("Inscription le"),
    "last_login": _("Dernière connexion"),
    "last_activity_at": _("Dernière activité"),
    "state": _("État du compte"),
    "deactivation_reason": _("Motif de désactivation"),
    "suspension_reason": _("Motif de suspension"),
    "state_changed_at": _("Changement d'état le"),
    "primary": _("Adresse principale"),
    "verified": _("Adresse vérifiée"),
    "organisation": _("Organisation"),
    "siret": _("SIRET"),
    "siren": _("SIREN"),
    "kind": _("Type"),
    "is_administrator": _("Administrateur"),
    "is_legal_representative": _("Représentant légal"),
    "member_since": _("Membre depuis le"),
    "invited_by": _("Invité par"),
    "accesses": _("Habilitations"),
    "status": _("Statut"),
    "created_at": _("Créé le"),
    "decided_at": _("Décidé le"),
    "last_seen_at": _("Dernière activité le"),
    "ip": _("Adresse IP"),
    "ip_address": _("Adresse IP"),
    "user_agent": _("Navigateur"),
    "type": _("Type"),
    "last_used_at": _("Dernière utilisation le"),
    "platform": _("Plateforme"),
    "expires_at": _("Expire le"),
    "documents": _("Documents"),
    "user": _("Titulaire"),
    "actor": _("Auteur"),
    "actor_kind": _("Type d'auteur"),
    "action": _("Action"),
    "reason": _("Motif"),
    "at": _("Date"),
    "data": _("Détails"),
    "version": _("Version"),
    "accepted_at": _("Acceptées le"),
    "context": _("Contexte"),
    "permission": _("Droit"),
}

#: French titles of generic sections whose model has no French verbose name.
GENERIC_SECTION_LABELS = {
    "accounts.organisationuserobjectpermission": _("Droits d'administration d'organisation"),
}
GENERIC_FIELD_LABELS = {
    "accounts.organisationuserobjectpermission": {"content_object": _("Organisation")},
}


@dataclass
class Exporter:
    key: str
    label: str
    func: Callable
    models: tuple[str, ...] = field(default_factory=tuple)
    fields: dict = field(default_factory=dict)


_REGISTRY: dict[str, Exporter] = {}


def register(key: str, label, *, models: tuple[str, ...] = (), fields: dict | None = None):
    """Decorator: register ``func(user)`` under ``key`` (overwrites a same key).

    ``label``: the section's French title; ``fields``: French labels of its keys
    (beyond ``COMMON_FIELD_LABELS``).
    """

    def decorator(func):
        _REGISTRY[key] = Exporter(
            key=key, label=label, func=func, models=models, fields=dict(fields or {})
        )
        return func

    return decorator


def _discovered() -> list[Exporter]:
    found = []
    for config in apps.get_app_configs():
        if config.name == "privacy":
            continue
        try:
            module = import_module(f"{config.name}.personal_data")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.personal_data":
                raise
            continue
        covered = tuple(getattr(module, "EXPORTED_MODELS", ()))
        fields = dict(getattr(module, "FIELD_LABELS", {}))
        for key, label, func in getattr(module, "EXPORTERS", []):
            found.append(Exporter(key=key, label=label, func=func, models=covered, fields=fields))
    return found


def exporters() -> list[Exporter]:
    """Every explicit exporter: privacy's, then the apps' ``personal_data.py``."""
    return [*_REGISTRY.values(), *_discovered()]


# --- Values -----------------------------------------------------------------


def _other_person(user_obj) -> str:
    if user_obj is None:
        return None
    return str(_("agent OPCO Mobilités")) if user_obj.is_staff else str(_("autre utilisateur"))


def value(obj):
    """A JSON-ready form of a model field value."""
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, decimal.Decimal | uuid.UUID):
        return str(obj)
    if isinstance(obj, dict | list | str | int | float | bool) or obj is None:
        return obj
    return str(obj)


def _is_secret(field_name: str) -> bool:
    name = field_name.lower()
    return name in SECRET_FIELD_NAMES or name.endswith(SECRET_SUFFIXES)


def row(instance, *, user, skip: tuple[str, ...] = ()) -> dict:
    """Concrete fields of ``instance``; user links shown as "self" or a neutral label."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    out = {}
    for f in instance._meta.concrete_fields:
        if f.name in skip or _is_secret(f.name):
            continue
        if f.is_relation and f.related_model is user_model:
            target_id = getattr(instance, f.attname)
            if target_id is None:
                out[f.name] = None
            elif target_id == user.pk:
                out[f.name] = str(_("vous"))
            else:
                out[f.name] = _other_person(getattr(instance, f.name))
        elif f.is_relation:
            target = getattr(instance, f.name)
            if target is None:
                out[f.name] = None
            elif f.related_model._meta.label == "auth.Permission":
                out[f.name] = str(target.name)  # "Administrer l'organisation", not its app path
            else:
                out[f.name] = str(target)
        else:
            out[f.name] = value(f.value_from_object(instance))
    return out


# --- The generic exporter ----------------------------------------------------------


def _owner_fields(model) -> list[str]:
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    links = [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is user_model and (f.many_to_one or f.one_to_one)
    ]
    named = [f for f in links if f.name == "user"]
    if named:
        return ["user"]
    return [f.name for f in links if f.remote_field.on_delete is not models.SET_NULL]


def generic_models(*, covered: set[str]) -> list[type[models.Model]]:
    """Project models with an owning user link that no explicit exporter covers."""
    found = []
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label not in PROJECT_APPS or label in covered:
            continue
        if model._meta.proxy or model is apps.get_model(settings.AUTH_USER_MODEL):
            continue
        if _owner_fields(model):
            found.append(model)
    return found


def _generic_section(model, user) -> list[dict]:
    query = models.Q()
    for name in _owner_fields(model):
        query |= models.Q(**{name: user})
    return [row(obj, user=user) for obj in model._default_manager.filter(query).order_by("pk")]


def generic_section_label(model) -> str:
    return GENERIC_SECTION_LABELS.get(
        model._meta.label_lower, capfirst(model._meta.verbose_name_plural)
    )


def field_labels(section_key: str) -> dict:
    """French labels of the keys of the section ``section_key`` (see the module docstring)."""
    labels = dict(COMMON_FIELD_LABELS)
    for exporter in exporters():
        if exporter.key == section_key:
            labels.update(exporter.fields)
            return labels
    try:
        model = apps.get_model(section_key)
    except (LookupError, ValueError):
        return labels
    own = {f.name: capfirst(f.verbose_name) for f in model._meta.concrete_fields}
    # The model's verbose names win unless they are the English defaults of a third party.
    for name, verbose in own.items():
        if name not in labels or str(verbose).lower() != name.replace("_", " "):
            labels[name] = verbose
    labels.update(GENERIC_FIELD_LABELS.get(model._meta.label_lower, {}))
    return labels


# --- Building the export ------------------------------------------------------------


def build_export(*, user, now) -> dict:
    """The whole export of ``user``: one section per exporter, then generic sections.

    Shape: {"format": 1, "generated_at": ISO, "sections": [{"key", "label", "data"}]}.
    """
    sections = []
    covered: set[str] = set()
    for exporter in exporters():
        sections.append(
            {"key": exporter.key, "label": str(exporter.label), "data": exporter.func(user)}
        )
        covered.update(exporter.models)
    for model in generic_models(covered=covered):
        data = _generic_section(model, user)
        sections.append(
            {
                "key": model._meta.label_lower,
                "label": str(generic_section_label(model)),
                "data": data,
            }
        )
    return {"format": FORMAT_VERSION, "generated_at": now.isoformat(), "sections": sections}


# --- Exporters of the apps below privacy (accounts, platforms, allauth) ----------------


@register("profile", _("Profil"), models=())
def export_profile(user) -> dict:
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "date_joined": value(user.date_joined),
        "last_login": value(user.last_login),
        "last_activity_at": value(user.last_activity_at),
        # Lifecycle state (fields added to User by the lifecycle app).
        "state": getattr(user, "state", None),
        "deactivation_reason": getattr(user, "deactivation_reason", None),
        "suspension_reason": getattr(user, "suspension_reason", None),
        "state_changed_at": value(getattr(user, "state_changed_at", None)),
    }


@register("emails", _("Adresses e-mail"), models=("account.EmailAddress",))
def export_emails(user) -> list:
    return [
        {"email": a.email, "primary": a.primary, "verified": a.verified}
        for a in EmailAddress.objects.filter(user=user).order_by("pk")
    ]


@register(
    "organisations",
    _("Organisations et habilitations"),
    models=("accounts.Membership", "platforms.Access"),
)
def export_organisations(user) -> list:
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("organisation", "invited_by")
        .prefetch_related("accesses__platform", "accesses__role", "accesses__granted_by")
        .order_by("pk")
    )
    return [
        {
            "organisation": m.organisation.legal_name,
            "siret": m.organisation.siret,
            "siren": m.organisation.siren,
            "kind": m.organisation.get_kind_display(),
            "is_administrator": m.is_administrator,
            "is_legal_representative": m.is_legal_representative,
            "member_since": value(m.created_at),
            "invited_by": _other_person(m.invited_by),
            "accesses": [
                {
                    "platform": a.platform.name,
                    "role": a.role.name,
                    "granted_at": value(a.granted_at),
                    "granted_by": None
                    if a.granted_by_id is None
                    else (
                        str(_("vous"))
                        if a.granted_by_id == user.pk
                        else _other_person(a.granted_by)
                    ),
                }
                for a in m.accesses.all()
            ],
        }
        for m in memberships
    ]


@register("join_requests", _("Demandes de rattachement"), models=("accounts.JoinRequest",))
def export_join_requests(user) -> list:
    return [
        {
            "organisation": r.organisation.legal_name,
            "siret": r.organisation.siret,
            "status": r.get_status_display(),
            "created_at": value(r.created_at),
            "decided_at": value(r.decided_at),
        }
        for r in JoinRequest.objects.filter(user=user)
        .select_related("organisation")
        .order_by("pk")
    ]


@register("sessions", _("Sessions ouvertes"), models=("usersessions.UserSession",))
def export_sessions(user) -> list:
    return [
        {
            "created_at": value(s.created_at),
            "last_seen_at": value(s.last_seen_at),
            "ip": s.ip,
            "user_agent": s.user_agent,
        }
        for s in UserSession.objects.filter(user=user).order_by("pk")
    ]


@register("mfa", _("Double authentification"), models=("mfa.Authenticator",))
def export_mfa(user) -> list:
    # Only the kind and dates: the secrets stay secret.
    return [
        {
            "type": a.get_type_display(),
            "created_at": value(a.created_at),
            "last_used_at": value(a.last_used_at),
        }
        for a in Authenticator.objects.filter(user=user).order_by("pk")
    ]


@register(
    "sso_grants", _("Connexions aux plateformes (jetons)"), models=("allauth_idp_oidc.Token",)
)
def export_sso_grants(user) -> list:
    return [
        {
            "platform": str(t.client),
            "type": t.get_type_display() if hasattr(t, "get_type_display") else str(t.type),
            "created_at": value(getattr(t, "created_at", None)),
            "expires_at": value(getattr(t, "expires_at", None)),
        }
        for t in Token.objects.filter(user=user).select_related("client").order_by("pk")
    ]


# --- Exporters of the privacy app -----------------------------------------------------------


@register("closure_requests", _("Demandes de clôture"), models=("privacy.ClosureRequest",))
def export_closure_requests(user) -> list:
    return [
        row(r, user=user)
        for r in ClosureRequest.objects.filter(user=user).select_related("processed_by")
    ]


@register("dpo_requests", _("Demandes au DPO"), models=("privacy.DpoRequest",))
def export_dpo_requests(user) -> list:
    return [
        row(r, user=user, skip=("reminders_sent",))
        for r in DpoRequest.objects.filter(user=user).select_related("created_by")
    ]


@register(
    "lost_credentials",
    _("Signalements d'identifiants perdus ou volés"),
    models=("privacy.LostCredentialsReport",),
)
def export_lost_credentials(user) -> list:
    return [
        row(r, user=user)
        for r in LostCredentialsReport.objects.filter(user=user).select_related(
            "reported_by", "issued_by"
        )
    ]


@register(
    "proofs",
    _("Justificatifs de pouvoir"),
    models=("privacy.ProofRequest", "privacy.ProofDocument"),
)
def export_proofs(user) -> list:
    out = []
    for r in (
        ProofRequest.objects.filter(user=user)
        .select_related("organisation", "requested_by", "decided_by")
        .prefetch_related("documents")
    ):
        data = row(r, user=user, skip=("reminders_sent",))
        data["documents"] = [
            {
                "id": str(d.pk),
                "file_name": d.original_name,
                "content_type": d.content_type,
                "size": d.size,
                "uploaded_at": value(d.uploaded_at),
            }
            for d in r.documents.all()
        ]
        out.append(data)
    return out


# --- The "Mes données" page ------------------------------------------------------------


def for_display(export: dict) -> list[dict]:
    """The non-empty sections of ``export`` as French key/value tables for the page.

    Each: {"key", "label", "tables": [[(French label, readable value), ...], ...]}
    (one table per row of the section). Codes, instants (Paris clock) and
    booleans are shown by ``lifecycle.labels.display_value``.
    """
    out = []
    for section in export["sections"]:
        data = section["data"]
        if not data:
            continue
        labels = field_labels(section["key"])
        rows = data if isinstance(data, list) else [data]
        tables = []
        for item in rows:
            if isinstance(item, dict):
                tables.append(
                    [
                        (
                            str(labels.get(key, capfirst(key.replace("_", " ")))),
                            display_value(v, key),
                        )
                        for key, v in item.items()
                    ]
                )
            else:
                tables.append([("", display_value(item))])
        out.append({"key": section["key"], "label": section["label"], "tables": tables})
    return out


# --- The JSON download, for a person ---------------------------------------------------


def _readable(item, key: str, labels: dict):
    """``item`` with French keys and readable values, all the way down."""
    if isinstance(item, dict):
        return {
            str(labels.get(k) or DATA_LABELS.get(k) or capfirst(k.replace("_", " "))): _readable(
                v, k, labels
            )
            for k, v in item.items()
            if k not in HIDDEN_DATA_KEYS
        }
    if isinstance(item, list):
        if not item:
            return str(_("Aucune donnée"))
        return [_readable(v, key, labels) for v in item]
    return display_value(item, key)


def for_download(export: dict, *, user) -> dict:
    """``export`` as the person reads it: French section titles and keys, readable values.

    Dates on the Paris clock ("10/03/2027 14:05"), Oui/Non, labels instead of codes
    (journal actions, states, reasons), no internal model names; an empty section says
    "Aucune donnée". Still one structured JSON document (portability, GDPR art. 20).
    """
    generated = dt.datetime.fromisoformat(export["generated_at"])
    return {
        str(_("Document")): str(
            _("Export de vos données personnelles — Centre de comptes OPCO Mobilités")
        ),
        str(_("Titulaire")): user.email,
        str(_("Généré le")): instant(generated),
        str(_("Rubriques")): {
            section["label"]: _readable(section["data"], "", field_labels(section["key"]))
            if section["data"] not in (None, [], {})
            else str(_("Aucune donnée"))
            for section in export["sections"]
        },
    }
