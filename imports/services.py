"""The import of existing accounts: validate every row, then write them all or the valid ones.

``accounts_import`` is the one entry point (the command, the back-office and its
Celery task call it). Invariants:

- files are streamed in chunks of ``app_settings.chunk_size()`` rows: memory does
  not grow with the files (duplicates across chunks are found in a temporary
  table, not in a Python set); each chunk costs a fixed number of statements
  whatever its size (``imports.bulk``: look-ups by set, one COPY per table,
  updates through a temporary table) — no query per row; the first-connection
  emails are scheduled by the ``ImportedAccount`` rows written with the users
  (sent later in batches), the verified addresses in the same chunk;
- the whole run is one transaction: with ``dry_run``, or when a row is rejected
  without ``valid_only``, it is rolled back and nothing is written; the report is
  the same in every mode (a dry run really tries every row);
- re-importing the same files writes nothing; a changed row updates its record;
  last activity only moves forward (the account centre's own activity wins);
- an imported account starts ACTIVE with its own creation and last-activity
  dates: the sweep then warns it first, with its full 15 days, exactly as an
  account born here; it has no usable password (the first-connection email lets
  its owner choose one);
- only accounts that came from an import are touched: an address already used by
  an account created here is rejected, never merged;
- CGU acceptances are proofs: a re-import never changes one (a different instant
  for the same user and version is rejected).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import (
    AccountState,
    Membership,
    Organisation,
    OrganisationUserObjectPermission,
    User,
)
from legal.models import CGUAcceptance, CGUVersion
from lifecycle.services import activity_record_bulk
from platforms.models import Access, Platform, Role

from . import app_settings, bulk, readers
from . import validators as v
from .models import ImportedAccount

SEEN_TABLE = "imports_seen"
# The tables the run looks rows up in (their planner statistics are kept fresh).
READ_TABLES = (
    Organisation,
    User,
    ImportedAccount,
    Membership,
    OrganisationUserObjectPermission,
    Access,
    CGUAcceptance,
)


@dataclass
class RowError:
    """One rejected row: where (file, line, column) and why, in French."""

    file: str
    line: int
    column: str
    message: str
    kind: str = ""
    row: dict = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    """Counts per kind, the rejected rows (the first ``max_errors`` kept), the outcome."""

    dry_run: bool = False
    valid_only: bool = False
    committed: bool = False
    counts: dict = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    max_errors: int = 1000

    def count(self, kind: str, what: str, n: int = 1) -> None:
        bucket = self.counts.setdefault(
            kind, {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
        )
        bucket[what] += n

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(error)

    @property
    def rows(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def summary_lines(self) -> list[str]:
        lines = []
        for kind in v.ORDER:
            if kind not in self.counts:
                continue
            c = self.counts[kind]
            lines.append(
                _(
                    "%(kind)s : %(created)s créé(s), %(updated)s mis à jour, "
                    "%(unchanged)s inchangé(s), %(rejected)s rejeté(s)"
                )
                % {"kind": v.KIND_LABELS[kind].capitalize(), **c}
            )
        if self.dry_run:
            lines.append(_("Simulation : rien n'a été enregistré."))
        elif self.committed:
            lines.append(
                _("Import enregistré (lignes valides seulement).")
                if self.error_count
                else _("Import enregistré.")
            )
        else:
            lines.append(
                _(
                    "Import refusé : %(n)s ligne(s) en erreur, rien n'a été enregistré. "
                    "Corrigez les fichiers ou relancez avec --valid-only."
                )
                % {"n": self.error_count}
            )
        return lines


def format_error(error: RowError) -> str:
    column = error.column or "—"
    return _("%(file)s, ligne %(line)s, colonne %(column)s : %(message)s") % {
        "file": error.file,
        "line": error.line,
        "column": column,
        "message": error.message,
    }


# --- Duplicates across chunks: a temporary table --------------------------------


def _seen_create() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Inside an outer transaction (the back-office, tests) ON COMMIT has
            # not fired yet: drop a leftover first.
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{SEEN_TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {SEEN_TABLE} (kind varchar(16), key text, "
                "origin text, PRIMARY KEY (kind, key)) ON COMMIT DROP"
            )
        else:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{SEEN_TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {SEEN_TABLE} (kind varchar(16), key text, "
                "origin text, PRIMARY KEY (kind, key))"
            )


def _seen_forget() -> None:
    """Empty the table: the rows of the next kind never collide with the previous one's."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {SEEN_TABLE}")
        else:
            cursor.execute(f"DELETE FROM {SEEN_TABLE}")  # noqa: S608


def _seen_drop() -> None:
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{SEEN_TABLE}")
    elif connection.in_atomic_block and not connection.needs_rollback:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{SEEN_TABLE}")


def _seen_check(kind: str, keyed: list[tuple[str, str]]) -> dict[str, str]:
    """Record ``(key, origin)`` pairs; return {key: first origin} for those seen before.

    PostgreSQL: one INSERT … ON CONFLICT DO NOTHING RETURNING for the lot (the
    keys it did not insert were seen before), plus one look-up of their origins
    only when there are some. Elsewhere: one look-up, one executemany.
    """
    if not keyed:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {SEEN_TABLE} (kind, key, origin) "  # noqa: S608
                "SELECT %s, k, o FROM unnest(%s::text[], %s::text[]) AS t(k, o) "
                "ON CONFLICT DO NOTHING RETURNING key",
                [kind, [k for k, _o in keyed], [o for _k, o in keyed]],
            )
            fresh = {row[0] for row in cursor.fetchall()}
        if len(fresh) == len(keyed):
            return {}
        seen = [k for k, _o in keyed if k not in fresh]
    else:
        seen = None
    before = dict(
        bulk.select_in(
            f"SELECT key, origin FROM {SEEN_TABLE} WHERE kind = %s AND key {{keys}}",  # noqa: S608
            seen if seen is not None else (k for k, _o in keyed),
            [kind],
        )
    )
    if seen is None:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {SEEN_TABLE} (kind, key, origin) VALUES (%s, %s, %s)",  # noqa: S608
                [(kind, k, o) for k, o in keyed if k not in before],
            )
    return before


# --- The run ------------------------------------------------------------------


Progress = Callable[[str, float], None]


@dataclass
class _Run:
    now: object
    report: ImportReport
    on_error: Callable[[RowError], None] | None
    file: str = ""
    kind: str = ""
    cache: dict = field(default_factory=dict)
    statistics: bulk.Statistics = field(default_factory=bulk.Statistics)

    def table(self, model, columns) -> bulk.Table:
        """The bulk writer of ``model`` for ``columns`` (its defaults prepared once a run)."""
        key = (model, tuple(columns))
        if key not in self.cache:
            self.cache[key] = bulk.Table(model, columns, statistics=self.statistics)
        return self.cache[key]

    def reject(self, line: int, row: dict, column: str, message: str) -> None:
        error = RowError(
            file=self.file, line=line, column=column, message=message, kind=self.kind, row=row
        )
        self.report.add_error(error)
        self.report.count(self.kind, "rejected")
        if self.on_error:
            self.on_error(error)

    def dedupe(self, items: list, key) -> list:
        """Drop (and reject) rows whose key an earlier row of this run already had."""
        keyed, kept, local = [], [], {}
        for item in items:
            k = key(item)
            if k in local:
                self.reject(item[0], item[1], *self._dup(local[k]))
                continue
            local[k] = f"{self.file}:{item[0]}"
            keyed.append((k, local[k]))
            kept.append(item)
        before = _seen_check(self.kind, keyed)
        out = []
        for item in kept:
            k = key(item)
            if k in before:
                self.reject(item[0], item[1], *self._dup(before[k]))
            else:
                out.append(item)
        return out

    def _dup(self, origin: str) -> tuple[str, str]:
        file, _sep, line = origin.rpartition(":")
        column, message = {
            "users": (
                "email",
                _(
                    "Adresse e-mail en double (déjà ligne %(line)s de %(file)s ; la casse ne compte pas)."
                ),
            ),
            "organisations": ("siret", _("SIRET en double (déjà ligne %(line)s de %(file)s).")),
            "memberships": (
                "siret",
                _("Rattachement en double (déjà ligne %(line)s de %(file)s)."),
            ),
            "accesses": ("role", _("Habilitation en double (déjà ligne %(line)s de %(file)s).")),
            "cgu": ("version", _("Acceptation en double (déjà ligne %(line)s de %(file)s).")),
        }[self.kind]
        return column, message % {"line": line, "file": file}


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def accounts_import(
    *,
    paths: list[Path],
    now,
    dry_run: bool = False,
    valid_only: bool = False,
    progress: Progress | None = None,
    on_error: Callable[[RowError], None] | None = None,
) -> ImportReport:
    """Import the files ``paths`` (any order, one kind each) at ``now``; see the module doc.

    Side effects when committed: organisations, users (with their email address and
    an ``ImportedAccount``), memberships (and the administrators' guardian
    permission), accesses and CGU acceptances created or updated.
    """
    report = ImportReport(dry_run=dry_run, valid_only=valid_only)
    run = _Run(now=now, report=report, on_error=on_error)
    sources = []
    for path in paths:
        source = readers.open_source(Path(path))
        kind = v.detect_kind(source.header)
        if kind is None:
            run.file, run.kind = Path(path).name, "organisations"
            report.add_error(
                RowError(
                    file=Path(path).name,
                    line=1,
                    column="",
                    message=_(
                        "En-tête non reconnu : ce fichier n'est d'aucun type connu "
                        "(voir docs/import.md pour les colonnes de chaque type)."
                    ),
                )
            )
            continue
        sources.append((v.ORDER.index(kind), kind, source))
    sources.sort(key=lambda item: item[0])
    size = app_settings.chunk_size()
    handlers = {
        "organisations": _organisations,
        "users": _users,
        "memberships": _memberships,
        "accesses": _accesses,
        "cgu": _cgu,
    }
    try:
        with transaction.atomic():
            _seen_create()
            run.statistics.prepare(READ_TABLES)
            for _index, kind, source in sources:
                if run.kind and kind != run.kind:
                    _seen_forget()  # a kind's keys are only ever compared with its own
                run.file, run.kind = source.path.name, kind
                report.counts.setdefault(
                    kind, {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
                )
                for chunk in _chunks(source.rows, size):
                    handlers[kind](run, chunk)
                    if progress:
                        progress(f"{source.path.name}", min(1.0, source.position / source.total))
            keep = not dry_run and (valid_only or report.error_count == 0)
            if not keep:
                transaction.set_rollback(True)
            report.committed = keep
    finally:
        _seen_drop()
    return report


def _parse(run: _Run, chunk, parse) -> list:
    out = []
    for line, row in chunk:
        try:
            out.append((line, row, parse(row)))
        except v.CellError as exc:
            run.reject(line, row, exc.column, exc.message)
    return out


# --- Organisations -------------------------------------------------------------

ORG_COLUMNS = ("siret", "siren", "kind", "legal_name", "address", "created_at")
ORG_CHANGEABLE = ("kind", "legal_name", "address")


def _organisations(run: _Run, chunk) -> None:
    def parse(row):
        return {
            "siret": v.parse_siret(row),
            "kind": v.parse_kind(row),
            "legal_name": v.parse_text(row, "raison_sociale", max_length=255),
            "address": v.parse_text(row, "adresse", max_length=2000, required_=False),
        }

    items = run.dedupe(_parse(run, chunk, parse), key=lambda item: item[2]["siret"])
    existing = {
        row[1]: row
        for row in Organisation.objects.filter(
            bulk.AnyOf(F("siret"), (i[2]["siret"] for i in items))
        ).values_list("pk", "siret", *ORG_CHANGEABLE)
    }
    new, changes = [], []
    for _line, _row, values in items:
        before = existing.get(values["siret"])
        if before is None:
            new.append(
                (
                    values["siret"],
                    values["siret"][:9],
                    values["kind"],
                    values["legal_name"],
                    values["address"],
                    run.now,
                )
            )
            continue
        after = tuple(values[k] for k in ORG_CHANGEABLE)
        if after != tuple(before[2:]):
            changes.append((before[0], *after))
            run.report.count(run.kind, "updated")
        else:
            run.report.count(run.kind, "unchanged")
    bulk.update(Organisation, key="id", columns=ORG_CHANGEABLE, rows=changes)
    run.table(Organisation, ORG_COLUMNS).insert(new)
    run.report.count(run.kind, "created", len(new))


# --- Users ---------------------------------------------------------------------

USER_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "date_joined",
    "last_activity_at",
    "password",
    "state",
    "is_active",
)
USER_CHANGEABLE = ("first_name", "last_name", "phone", "date_joined")


def _unusable_password() -> str:
    # What set_unusable_password() stores ("!" + random), far cheaper per row.
    return "!" + secrets.token_urlsafe(30)


def _users(run: _Run, chunk) -> None:
    """Create, update or leave each user; four statements per chunk plus the writes.

    A new user gets, in the same chunk, his verified primary email address and
    his ``ImportedAccount`` (which schedules his first-connection email): one
    COPY each.
    """

    def parse(row):
        return {
            "email": v.parse_email(row),
            "first_name": v.parse_text(row, "prenom", max_length=150),
            "last_name": v.parse_text(row, "nom", max_length=150),
            "phone": v.parse_text(row, "telephone", max_length=32, required_=False),
            "date_joined": v.parse_instant(row, "cree_le", now=run.now),
            "last_activity_at": v.parse_instant(
                row, "derniere_activite_le", now=run.now, required_=False
            ),
        }

    items = run.dedupe(_parse(run, chunk, parse), key=lambda item: item[2]["email"])
    # Looked up without case (the case-insensitive unique index), as an account
    # created here is matched whatever the case it was typed in.
    existing = {
        row[1].lower(): row
        for row in User.objects.filter(
            bulk.AnyOf(Lower("email"), (i[2]["email"] for i in items))
        ).values_list("pk", "email", *USER_CHANGEABLE, "last_activity_at", "imported__user_id")
    }
    new, changes, forward = [], [], {}
    for line, row, values in items:
        before = existing.get(values["email"])
        if before is None:
            new.append(
                (
                    *(values[k] for k in USER_COLUMNS[:6]),
                    _unusable_password(),
                    AccountState.ACTIVE,
                    True,
                )
            )
            continue
        pk, _email, *old, last_activity_at, imported = before
        if imported is None:
            run.reject(
                line,
                row,
                "email",
                _(
                    "Un compte créé sur le centre de comptes utilise déjà cette adresse : "
                    "la reprise ne le modifie pas."
                ),
            )
            continue
        activity = values["last_activity_at"]
        after = tuple(values[k] for k in USER_CHANGEABLE)
        changed = after != tuple(old)
        if activity and (last_activity_at is None or activity > last_activity_at):
            forward[pk] = activity
        if changed:
            changes.append((pk, *after))
        if changed or pk in forward:
            run.report.count(run.kind, "updated")
        else:
            run.report.count(run.kind, "unchanged")
    bulk.update(User, key="id", columns=USER_CHANGEABLE, rows=changes)
    if forward:
        # Through the lifecycle: a newer activity cancels a warning it makes unwarranted.
        activity_record_bulk(items=forward)
    if new and bulk.is_postgresql():
        pks = bulk.next_ids(User, len(new))
        run.table(User, ("id", *USER_COLUMNS)).insert(
            [(pk, *row) for pk, row in zip(pks, new, strict=True)]
        )
        ids = [(pk, row[0]) for pk, row in zip(pks, new, strict=True)]
    elif new:
        run.table(User, USER_COLUMNS).insert(new)
        ids = list(
            User.objects.filter(bulk.AnyOf(F("email"), (u[0] for u in new))).values_list(
                "pk", "email"
            )
        )
    if new:
        run.table(EmailAddress, ("user_id", "email", "primary", "verified")).insert(
            [(pk, email, True, True) for pk, email in ids]
        )
        run.table(ImportedAccount, ("user_id", "imported_at")).insert(
            [(pk, run.now) for pk, _e in ids]
        )
    run.report.count(run.kind, "created", len(new))


def _imported_user_ids(emails) -> dict[str, int]:
    return dict(
        User.objects.filter(bulk.AnyOf(F("email"), emails), imported__isnull=False).values_list(
            "email", "pk"
        )
    )


def _organisation_ids(sirets) -> dict[str, int]:
    return dict(
        Organisation.objects.filter(bulk.AnyOf(F("siret"), sirets)).values_list("siret", "pk")
    )


def _unknown_user(run: _Run, line, row) -> None:
    run.reject(
        line,
        row,
        "email",
        _(
            "Utilisateur inconnu : aucune ligne valide du fichier des utilisateurs "
            "ni compte repris n'a cette adresse."
        ),
    )


def _unknown_org(run: _Run, line, row, siret) -> None:
    run.reject(
        line,
        row,
        "siret",
        _(
            "Organisation inconnue : le SIRET %(siret)s n'est ni dans le fichier des "
            "organisations ni dans le centre de comptes."
        )
        % {"siret": siret},
    )


# --- Memberships ----------------------------------------------------------------

MEMBERSHIP_COLUMNS = (
    "user_id",
    "organisation_id",
    "is_administrator",
    "is_legal_representative",
    "created_at",
)
MEMBERSHIP_FLAGS = ("is_administrator", "is_legal_representative")
PERMISSION_COLUMNS = ("permission_id", "user_id", "content_object_id")


def _manage_permission_id(run: _Run) -> int:
    if "manage" not in run.cache:
        run.cache["manage"] = Permission.objects.get(
            content_type__app_label="accounts", codename="manage_organisation"
        ).pk
    return run.cache["manage"]


def _admin_permissions_sync(run: _Run, memberships: list[tuple[int, int, bool]]) -> None:
    """Give or take ``manage_organisation`` to match each (user, org, is_admin), set-based.

    What ``accounts.services.membership_permission_sync`` does for one membership,
    in three statements for the lot.
    """
    if not memberships:
        return
    permission = _manage_permission_id(run)
    held = {
        (user_id, org_id): pk
        for pk, user_id, org_id in OrganisationUserObjectPermission.objects.filter(
            bulk.AnyOf(F("user_id"), (m[0] for m in memberships)), permission_id=permission
        ).values_list("pk", "user_id", "content_object_id")
    }
    grant = [(permission, u, o) for u, o, admin in memberships if admin and (u, o) not in held]
    revoke = [held[(u, o)] for u, o, admin in memberships if not admin and (u, o) in held]
    run.table(OrganisationUserObjectPermission, PERMISSION_COLUMNS).insert(grant)
    if revoke:
        OrganisationUserObjectPermission.objects.filter(bulk.AnyOf(F("pk"), revoke)).delete()


def _memberships(run: _Run, chunk) -> None:
    def parse(row):
        return {
            "email": v.parse_email(row),
            "siret": v.parse_siret(row),
            "is_administrator": v.parse_bool(row, "administrateur"),
            "is_legal_representative": v.parse_bool(row, "representant_legal"),
        }

    items = run.dedupe(_parse(run, chunk, parse), key=lambda i: f"{i[2]['email']}|{i[2]['siret']}")
    users = _imported_user_ids(i[2]["email"] for i in items)
    orgs = _organisation_ids(i[2]["siret"] for i in items)
    existing = {
        (user_id, org_id): (pk, flags)
        for pk, user_id, org_id, *flags in Membership.objects.filter(
            bulk.AnyOf(F("user_id"), users.values())
        ).values_list("pk", "user_id", "organisation_id", *MEMBERSHIP_FLAGS)
    }
    new, changes, synced = [], [], []
    for line, row, values in items:
        user_id, org_id = users.get(values["email"]), orgs.get(values["siret"])
        if user_id is None:
            _unknown_user(run, line, row)
            continue
        if org_id is None:
            _unknown_org(run, line, row, values["siret"])
            continue
        flags = [values[k] for k in MEMBERSHIP_FLAGS]
        before = existing.get((user_id, org_id))
        if before is None:
            new.append((user_id, org_id, *flags, run.now))
            continue
        if flags == before[1]:
            run.report.count(run.kind, "unchanged")
            continue
        changes.append((before[0], *flags))
        synced.append((user_id, org_id, flags[0]))
        run.report.count(run.kind, "updated")
    bulk.update(Membership, key="id", columns=MEMBERSHIP_FLAGS, rows=changes)
    _admin_permissions_sync(run, synced)
    run.table(Membership, MEMBERSHIP_COLUMNS).insert(new)
    admins = [(_manage_permission_id(run), m[0], m[1]) for m in new if m[2]]
    run.table(OrganisationUserObjectPermission, PERMISSION_COLUMNS).insert(admins)
    run.report.count(run.kind, "created", len(new))


# --- Accesses -----------------------------------------------------------------------

ACCESS_COLUMNS = ("membership_id", "platform_id", "role_id", "granted_at")


def _fold(text: str) -> str:
    return v._fold(text)


def _catalogue(run: _Run):
    """Platforms, roles (by folded code and name) and the pairs offered: read once a run."""
    if "catalogue" not in run.cache:
        platforms = {p.code: p for p in Platform.objects.all()}
        roles = {}
        for role in Role.objects.all():
            roles[_fold(role.code)] = role
            roles[_fold(role.name)] = role
        offered = set(Platform.roles.through.objects.values_list("platform_id", "role_id"))
        run.cache["catalogue"] = platforms, roles, offered
    return run.cache["catalogue"]


def _accesses(run: _Run, chunk) -> None:
    platforms, roles, offered = _catalogue(run)

    def parse(row):
        code = str(v.require(row, "plateforme")).strip().lower()
        platform = platforms.get(code)
        if platform is None:
            raise v.CellError(
                "plateforme",
                _("Plateforme inconnue « %(code)s » (codes connus : %(codes)s).")
                % {"code": code, "codes": ", ".join(sorted(platforms))},
            )
        if not platform.is_centralised:
            raise v.CellError(
                "plateforme",
                _("La plateforme %(name)s gère ses propres comptes : pas d'habilitation ici.")
                % {"name": platform.name},
            )
        label = str(v.require(row, "role"))
        role = roles.get(_fold(label))
        if role is None:
            raise v.CellError("role", _("Rôle inconnu « %(role)s ».") % {"role": label})
        if (platform.pk, role.pk) not in offered:
            raise v.CellError(
                "role",
                _("La plateforme %(platform)s ne propose pas le rôle %(role)s.")
                % {"platform": platform.name, "role": role.name},
            )
        return {
            "email": v.parse_email(row),
            "siret": v.parse_siret(row),
            "platform": platform.pk,
            "role": role.pk,
        }

    items = run.dedupe(
        _parse(run, chunk, parse),
        key=lambda i: f"{i[2]['email']}|{i[2]['siret']}|{i[2]['platform']}|{i[2]['role']}",
    )
    # One join finds every row's membership; the reason a row has none (unknown
    # user, unknown organisation, not a member) is looked up for those rows only.
    memberships = {
        (email, siret): pk
        for pk, email, siret in Membership.objects.filter(
            bulk.AnyOf(F("user__email"), (i[2]["email"] for i in items)),
            user__imported__isnull=False,
        ).values_list("pk", "user__email", "organisation__siret")
    }
    missing = [i for i in items if (i[2]["email"], i[2]["siret"]) not in memberships]
    users = _imported_user_ids(i[2]["email"] for i in missing)
    orgs = _organisation_ids(i[2]["siret"] for i in missing)
    existing = set(
        Access.objects.filter(bulk.AnyOf(F("membership_id"), memberships.values())).values_list(
            "membership_id", "platform_id", "role_id"
        )
    )
    new = []
    for line, row, values in items:
        membership_id = memberships.get((values["email"], values["siret"]))
        if membership_id is None:
            if values["email"] not in users:
                _unknown_user(run, line, row)
            elif values["siret"] not in orgs:
                _unknown_org(run, line, row, values["siret"])
            else:
                run.reject(
                    line,
                    row,
                    "siret",
                    _("Cet utilisateur n'est pas rattaché à l'organisation %(siret)s.")
                    % {"siret": values["siret"]},
                )
            continue
        key = (membership_id, values["platform"], values["role"])
        if key in existing:
            run.report.count(run.kind, "unchanged")
            continue
        new.append((*key, run.now))
    run.table(Access, ACCESS_COLUMNS).insert(new)
    run.report.count(run.kind, "created", len(new))


# --- CGU acceptances --------------------------------------------------------------------

CGU_COLUMNS = ("user_id", "version_id", "version_hash", "accepted_at", "context")


def _cgu_versions(run: _Run) -> dict:
    if "versions" not in run.cache:
        versions = {}
        for version in CGUVersion.objects.filter(status=CGUVersion.Status.PUBLISHED):
            versions.setdefault(_fold(version.label), version)
        run.cache["versions"] = versions
    return run.cache["versions"]


def _cgu(run: _Run, chunk) -> None:
    versions = _cgu_versions(run)

    def parse(row):
        label = str(v.require(row, "version"))
        version = versions.get(_fold(label))
        if version is None:
            raise v.CellError(
                "version",
                _("Version des CGU inconnue « %(label)s » (elle doit être publiée).")
                % {"label": label},
            )
        return {
            "email": v.parse_email(row),
            "version": version,
            "accepted_at": v.parse_instant(row, "acceptee_le", now=run.now),
        }

    items = run.dedupe(
        _parse(run, chunk, parse), key=lambda i: f"{i[2]['email']}|{i[2]['version'].pk}"
    )
    users = _imported_user_ids(i[2]["email"] for i in items)
    existing = {
        (user_id, version_id): at
        for user_id, version_id, at in CGUAcceptance.objects.filter(
            bulk.AnyOf(F("user_id"), users.values()), context=CGUAcceptance.Context.IMPORT
        ).values_list("user_id", "version_id", "accepted_at")
    }
    new = []
    for line, row, values in items:
        user_id = users.get(values["email"])
        if user_id is None:
            _unknown_user(run, line, row)
            continue
        version = values["version"]
        before = existing.get((user_id, version.pk))
        if before is not None:
            if before == values["accepted_at"]:
                run.report.count(run.kind, "unchanged")
            else:
                run.reject(
                    line,
                    row,
                    "acceptee_le",
                    _(
                        "Une acceptation de cette version est déjà enregistrée pour cet "
                        "utilisateur à une autre date : une preuve n'est jamais modifiée."
                    ),
                )
            continue
        new.append(
            (
                user_id,
                version.pk,
                version.text_hash,
                values["accepted_at"],
                CGUAcceptance.Context.IMPORT,
            )
        )
    run.table(CGUAcceptance, CGU_COLUMNS).insert(new)
    run.report.count(run.kind, "created", len(new))
