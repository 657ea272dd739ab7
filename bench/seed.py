"""Load N accounts with a realistic mix into an empty, migrated PostgreSQL database.

``python bench/seed.py [--users 1000000]`` (default 100,000) against
``DATABASE_URL``. Rows go in by ``COPY`` (psycopg 3) with explicit ids, so no
row is read back; foreign keys are checked by one anti-join per link at the
end instead of one trigger per row (``session_replication_role = replica``
during the load). Deterministic: the same N gives the same rows.

The mix, per million accounts (scaled linearly for other N), at the bench
instant ``NOW`` (2027-06-01 08:00 UTC):

- 125,000 organisations (valid SIREN/SIRET), one administrator each;
- 1.1 memberships and 1.2 accesses per account (roles the platform offers);
- one verified primary email (allauth) per account, CGU acceptances, journal
  rows, cookie consents, sessions, OIDC refresh/access tokens and platform
  logins, invitations, admin log entries;
- last activity spread over 30 months: about 1 % (10,000) active accounts are
  due a warning, the others were active in the last 24 months;
- 4,600 warned and 6,340 deactivated accounts whose notice was accepted 0 to 30
  days ago (so about 2,236 deactivations and 3,081 deletions are due), a few
  warned accounts whose notice bounced (clock stopped), 1,000 suspended;
- 21 staff accounts (ids N+1…N+21); N+1 is the superuser ``BENCH_ADMIN_EMAIL``;
  the first 1,000 accounts and the staff have the password ``BENCH_PASSWORD``.
"""

import argparse
import hashlib
import json
import os
import pathlib
import random
import sys
import time
import uuid
from datetime import UTC, datetime

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

NOW = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
BENCH_PASSWORD = "bench-password-1M"  # noqa: S105 - benchmark data only
BENCH_ADMIN_EMAIL = "bench-admin@opco-mobilites.fr"
STAFF = 21
PASSWORD_USERS = 1_000
DAY = 86_400.0
MONTH = 30.44 * DAY

FIRST_NAMES = [
    "Jean",
    "Marie",
    "Pierre",
    "Michel",
    "Philippe",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Françoise",
    "Alain",
    "Nicolas",
    "Christophe",
    "Patrick",
    "Sophie",
    "Stéphane",
    "Sandrine",
    "Valérie",
    "Laurent",
    "Éric",
    "Frédéric",
    "Céline",
    "Julien",
    "Aurélie",
    "David",
    "Camille",
    "Thomas",
    "Julie",
    "Sébastien",
    "Émilie",
    "Antoine",
    "Hélène",
    "Vincent",
    "Caroline",
    "Olivier",
    "Léa",
    "Mathieu",
    "Chloé",
    "Maxime",
    "Manon",
    "Romain",
    "Inès",
    "Hugo",
    "Sarah",
    "Lucas",
    "Anaïs",
    "Louis",
    "Pauline",
    "Gabriel",
    "Clémence",
    "Arthur",
    "Mélanie",
    "Paul",
    "Karine",
    "Yannick",
    "Agnès",
    "Bruno",
    "Élodie",
    "Damien",
    "Laetitia",
    "Guillaume",
    "Marion",
    "Jérôme",
    "Audrey",
    "Benoît",
    "Virginie",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Pérez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Marie",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Pierre",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Philippe",
    "Lacroix",
    "Dupuis",
    "Olivier",
    "Louis",
    "Charpentier",
    "Moulin",
    "Guillot",
    "Rey",
    "Berger",
    "Baron",
    "Carpentier",
    "Lecomte",
    "Hubert",
]
ORG_WORDS = [
    "Transports",
    "Autocars",
    "Logistique",
    "Ambulances",
    "Taxis",
    "Déménagements",
    "Fret",
    "Messageries",
    "Formation",
    "Conduite",
    "Auto-école",
    "Cabinet",
    "Conseil",
    "Expertise",
]
PERSONAL_DOMAINS = ["gmail.com", "orange.fr", "free.fr", "laposte.net", "wanadoo.fr", "sfr.fr"]
KINDS = [
    ("entreprise", 70),
    ("of", 10),
    ("cfa", 5),
    ("cabinet_comptable", 10),
    ("cabinet_rh", 5),
]
# (platform code, role code) an ordinary member of each kind of organisation gets.
KIND_ACCESSES = {
    "entreprise": [
        ("mgestion-entreprise", "gestionnaire"),
        ("mcontributions", "adherent"),
        ("mcampus-entreprise", "adherent"),
        ("mgepp", "adherent"),
    ],
    "of": [("mgestion-of", "gestionnaire"), ("mcampus-of", "partenaire")],
    "cfa": [("mgestion-of", "gestionnaire"), ("mcampus-of", "gestionnaire")],
    "cabinet_comptable": [
        ("mcontributions", "cabinet-comptable"),
        ("mgestion-entreprise", "cabinet-comptable"),
    ],
    "cabinet_rh": [("mgepp", "consultant"), ("mgepp", "administrateur-cabinet-rh")],
}
KIND_ADMIN_PLATFORM = {
    "entreprise": "mgestion-entreprise",
    "of": "mgestion-of",
    "cfa": "mgestion-of",
    "cabinet_comptable": "mcontributions",
    "cabinet_rh": "mgepp",
}
SUSPENSION_REASONS = ["cgu_breach", "lost_credentials", "missing_proof", "other"]
OTHER_DEACTIVATION_REASONS = ["opco", "org_admin", "closure_request", "end_of_authority"]


def scaled(users: int, per_million: int) -> int:
    return max(1, round(users * per_million / 1_000_000))


def luhn_digit(digits: str) -> str:
    """The digit that makes ``digits`` + it pass the Luhn check (SIREN and SIRET)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the check digit will shift everything by one
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


_DAYS: dict[int, str] = {}


def ts(seconds: float) -> str:
    """An instant (epoch seconds) as PostgreSQL text, whole seconds, UTC."""
    whole = int(seconds)
    day, rest = divmod(whole, 86_400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%d")
    return f"{prefix} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}+00"


def plain(text: str) -> str:
    table = str.maketrans("éèêëàâäîïôöûüùçÉ", "eeeeaaaiioouuucE")
    return text.translate(table).lower().replace(" ", "-")


def copy_sql(table: str, columns: list[str]) -> str:
    quoted = ", ".join(f'"{column}"' for column in columns)
    return f"COPY {table} ({quoted}) FROM STDIN"


class Progress:
    """A one-line progress bar on stderr (rows written / rows planned)."""

    def __init__(self, total: int):
        self.total, self.done, self.start, self.shown = total, 0, time.perf_counter(), 0.0
        self.label = ""

    def step(self, rows: int, label: str) -> None:
        self.done += rows
        self.label = label
        now = time.perf_counter()
        if now - self.shown > 0.5 or self.done >= self.total:
            self.shown = now
            share = min(1.0, self.done / self.total)
            bar = "#" * int(share * 30)
            elapsed = now - self.start
            sys.stderr.write(
                f"\r[{bar:<30}] {share:6.1%} {self.done:>10,} lignes {elapsed:6.1f} s  {label:<28}"
            )
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


class Copier:
    """One table's COPY on its own connection, fed in blocks as rows are generated.

    Every table streams at once (the server writes while Python generates);
    foreign keys are not checked row by row (``session_replication_role``).
    """

    def __init__(self, params: dict, table: str, columns: list[str], progress: Progress):
        import psycopg

        self.connection = psycopg.connect(**params)
        self.connection.execute("SET session_replication_role = replica")
        self.connection.execute("SET synchronous_commit = off")
        self.cursor = self.connection.cursor()
        self.copy_cm = self.cursor.copy(copy_sql(table, columns))
        self.copy = self.copy_cm.__enter__()
        self.lines: list[str] = []
        self.rows = 0
        self.table = table
        self.progress = progress

    def row(self, *values) -> None:
        self.lines.append("\t".join("\\N" if v is None else str(v) for v in values))
        if len(self.lines) >= 20_000:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.lines.append("")
            self.copy.write("\n".join(self.lines))
            self.progress.step(len(self.lines) - 1, self.table)
            self.rows += len(self.lines) - 1
            self.lines = []

    def close(self) -> int:
        self.flush()
        self.copy_cm.__exit__(None, None, None)
        self.connection.commit()
        self.connection.close()
        return self.rows


LOADED_TABLES = [
    "accounts_user",
    "account_emailaddress",
    "accounts_membership",
    "platforms_access",
    "accounts_organisation",
    "accounts_organisationuserobjectpermission",
    "legal_cguacceptance",
    "lifecycle_journalentry",
    "lifecycle_notice",
    "allauth_idp_oidc_token",
    "platforms_platformlogin",
    "django_session",
    "usersessions_usersession",
    "legal_consentrecord",
    "django_admin_log",
    "accounts_invitation",
]


def drop_secondary_indexes(connection, tables: list[str]) -> list[str]:
    """Drop the indexes that back no constraint on ``tables``; return their definitions.

    Building an index once after the load is several times faster than
    maintaining it row by row during the ``COPY``.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index i
             WHERE i.indrelid::regclass::text = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        rows = cursor.fetchall()
        for name, _definition in rows:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def restore_indexes(connection, definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition)


def plan(users: int) -> dict:
    """How many accounts of each kind, for ``users`` ordinary accounts."""
    counts = {
        "due_warning": scaled(users, 10_000),
        "warned": scaled(users, 4_600),
        "bounced": scaled(users, 60),
        "deactivated": scaled(users, 6_340),
        "suspended": scaled(users, 1_000),
    }
    counts["active"] = users - sum(counts.values())
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument(
        "--fresh", action="store_true", help="recréer la base (DROP DATABASE) et la migrer d'abord"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/seed.py exige PostgreSQL : définissez DATABASE_URL=postgres://…")
    if args.fresh:
        recreate_database()
    seed(users=args.users)


def recreate_database() -> None:
    """Drop and re-create the settings' database, then migrate it."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    connection.close()
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def seed(*, users: int) -> dict:
    """Load ``users`` accounts (see the module docstring); returns the plan."""
    from django.contrib.auth.hashers import Argon2PasswordHasher
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction

    from accounts.models import User
    from legal.models import text_hash
    from platforms.models import Platform, Role
    from platforms.sso_services import platform_client_register

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_user")
        if cursor.fetchone()[0]:
            sys.exit("La base contient déjà des comptes : relancez avec --fresh pour la recréer.")

    rng = random.Random(20270601)
    counts = plan(users)
    n_orgs = max(1, users // 8)
    now = NOW.timestamp()
    password_hash = Argon2PasswordHasher().encode(BENCH_PASSWORD, "benchsaltbenchsalt")
    platforms = {p.code: p for p in Platform.objects.all()}
    roles = {r.code: r.pk for r in Role.objects.all()}
    user_ct = ContentType.objects.get_for_model(User).pk
    from django.contrib.auth.models import Permission

    manage_perm = Permission.objects.get(codename="manage_organisation").pk

    # OIDC clients (few rows, through the service so secrets are stored as it does).
    with transaction.atomic():
        for code in ("mgestion-entreprise", "mgestion-of", "mcontributions", "mgepp"):
            platform_client_register(
                platform=platforms[code],
                redirect_uris=[f"https://{code}.example.fr/oidc/callback/"],
                client_id=f"bench-{code}",
                secret=f"bench-secret-{code}",
                rotate_secret=True,
                now=NOW,
            )
    client_ids = [f"bench-{c}" for c in ("mgestion-entreprise", "mgestion-of", "mcontributions")]
    platform_by_client = {f"bench-{c}": platforms[c].pk for c in platforms}

    estimate = int(users * 9.5)
    progress = Progress(estimate)
    params = connection.get_connection_params()
    copiers: dict[str, Copier] = {}

    def copier(table: str, columns: list[str]) -> Copier:
        if table not in copiers:
            copiers[table] = Copier(params, table, columns, progress)
        return copiers[table]

    def add(table: str, columns: list[str], *values) -> None:
        copier(table, columns).row(*values)

    dropped = drop_secondary_indexes(connection, LOADED_TABLES)
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        # --- CGU versions -------------------------------------------------------
        v1_at, v2_at = now - 4 * 365 * DAY, now - 365 * DAY
        cgu = copier(
            "legal_cguversion",
            [
                "id",
                "label",
                "text",
                "summary",
                "status",
                "effective_at",
                "published_at",
                "text_hash",
                "created_at",
            ],
        )
        texts = {1: "# CGU\n\nVersion 1.", 2: "# CGU\n\nVersion 2."}
        for pk, at, label in ((1, v1_at, "Version 1"), (2, v2_at, "Version 2")):
            text = texts[pk]
            cgu.row(
                pk,
                label,
                text.replace("\n", "\\n"),
                "",
                "published",
                ts(at),
                ts(at - DAY),
                text_hash(text),
                ts(at - 2 * DAY),
            )
        hashes = {1: text_hash(texts[1]), 2: text_hash(texts[2])}

        # --- Organisations --------------------------------------------------------
        org_kind = []
        org_domain = []
        orgs = copier(
            "accounts_organisation",
            ["id", "kind", "legal_name", "siren", "siret", "address", "created_at"],
        )
        kinds = [k for k, w in KINDS for _ in range(w)]
        # Each organisation's administrator: one of its members, taken from a
        # different eighth of the ids for each organisation, so that administrators
        # are spread over the whole id range (as over time), not all the oldest.
        admin_of = [0] * n_orgs
        blocks = max(1, users // n_orgs)
        for uid in range(1, users + 1):
            org = (uid * 7919) % n_orgs
            if not admin_of[org] and ((uid - 1) // n_orgs) % blocks == org % blocks:
                admin_of[org] = uid
        for o in range(n_orgs):
            kind = kinds[o % len(kinds)]
            if o == 0:
                name, domain = "Transports Démo", "transports-demo.fr"
            else:
                word, last = ORG_WORDS[o % len(ORG_WORDS)], LAST_NAMES[(o // 7) % len(LAST_NAMES)]
                name = f"{word} {last} {o}"
                domain = f"{plain(word)}-{plain(last)}-{o}.fr"
            base = f"{10_000_000 + o * 7:08d}"[:8]
            siren = base + luhn_digit(base)
            nic = f"{1 + o % 9:04d}"
            siret = siren + nic + luhn_digit(siren + nic)
            org_kind.append(kind)
            org_domain.append(domain)
            orgs.row(
                o + 1,
                kind,
                name,
                siren,
                siret,
                f"{1 + o % 200} rue de la Gare, {75000 + o % 900:05d} Ville",
                ts(now - (5 * 365 - o % 1000) * DAY),
            )

        # --- Accounts and everything hanging off them -------------------------------
        user_cols = ["id", "password", "last_login", "is_superuser", "email", "first_name"]
        user_cols += ["last_name", "phone", "is_active", "is_staff", "date_joined"]
        user_cols += ["last_activity_at", "state", "deactivation_reason", "suspension_reason"]
        user_cols += ["state_changed_at", "reactivated_at", "notice_sent_at", "notice_failed_at"]
        accounts = copier("accounts_user", user_cols)
        kinds_of_account = (
            ["due_warning"] * counts["due_warning"]
            + ["warned"] * counts["warned"]
            + ["bounced"] * counts["bounced"]
            + ["deactivated"] * counts["deactivated"]
            + ["suspended"] * counts["suspended"]
            + ["active"] * counts["active"]
        )
        rng.shuffle(kinds_of_account)
        email_cols = ["id", "email", "verified", "primary", "user_id"]
        membership_cols = ["id", "user_id", "organisation_id", "is_administrator"]
        membership_cols += ["is_legal_representative", "invited_by_id", "created_at"]
        access_cols = ["id", "membership_id", "platform_id", "role_id", "granted_by_id"]
        access_cols += ["granted_at"]
        accept_cols = ["id", "user_id", "version_id", "version_hash", "accepted_at"]
        accept_cols += ["ip_address", "user_agent", "context"]
        journal_cols = ["id", "user_id", "actor_id", "actor_kind", "action", "reason", "at"]
        journal_cols += ["data"]
        notice_cols = ["id", "user_id", "kind", "step_at", "status", "created_at", "attempts"]
        notice_cols += ["accepted_at", "failed_at", "stated_deadline", "message_id", "last_error"]
        notice_cols += ["attempt_message_id"]
        token_cols = ["id", "type", "hash", "data", "created_at", "expires_at", "scopes"]
        token_cols += ["client_id", "user_id"]
        login_cols = ["id", "user_id", "platform_id", "first_at", "last_at"]
        session_cols = ["session_key", "session_data", "expire_date"]
        usersession_cols = ["id", "created_at", "ip", "last_seen_at", "session_key"]
        usersession_cols += ["user_agent", "data", "user_id"]
        consent_cols = ["id", "subject_id", "categories", "notice_version", "recorded_at"]
        consent_cols += ["user_id"]
        log_cols = ["id", "action_time", "object_id", "object_repr", "action_flag"]
        log_cols += ["change_message", "content_type_id", "user_id"]
        invitation_cols = ["id", "organisation_id", "email", "token", "invited_by_id"]
        invitation_cols += ["is_administrator", "created_at", "expires_at", "accepted_at"]
        invitation_cols += ["accepted_by_id"]
        perm_cols = ["id", "permission_id", "user_id", "content_object_id"]
        ids = {"m": 0, "a": 0, "acc": 0, "j": 0, "n": 0, "t": 0, "l": 0, "us": 0, "c": 0}
        ids.update({"log": 0, "inv": 0, "perm": 0})
        ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0"
        staff_ids = list(range(users + 1, users + STAFF + 1))
        store = SessionStore()

        def next_id(key: str) -> int:
            ids[key] += 1
            return ids[key]

        def membership(uid: int, org: int, admin: bool, joined: float) -> int:
            mid = next_id("m")
            add(
                "accounts_membership",
                membership_cols,
                mid,
                uid,
                org + 1,
                "t" if admin else "f",
                "t" if admin else "f",
                None if admin else admin_of[org] or None,
                ts(joined),
            )
            return mid

        def access(mid: int, platform: str, role: str, at: float) -> None:
            add(
                "platforms_access",
                access_cols,
                next_id("a"),
                mid,
                platforms[platform].pk,
                roles[role],
                None,
                ts(at),
            )

        for uid in range(1, users + 1):
            kind_of = kinds_of_account[uid - 1]
            first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
            last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
            org = (uid * 7919) % n_orgs
            is_admin = admin_of[org] == uid
            if rng.random() < 0.45 or org == 0:
                domain = org_domain[org]
            else:
                domain = PERSONAL_DOMAINS[uid % len(PERSONAL_DOMAINS)]
            email = f"{plain(first)}.{plain(last)}.{uid}@{domain}"
            state, reason, suspension = "active", "", ""
            changed = reactivated = sent = failed = None
            if kind_of == "active":
                last_activity = now - rng.random() * (24 * MONTH - 3 * DAY)
            else:
                last_activity = now - 24 * MONTH - DAY - rng.random() * 6 * MONTH
            joined = last_activity - rng.random() * 3 * 365 * DAY
            if kind_of == "active" and rng.random() < 0.02:
                joined = now - rng.random() * 20 * MONTH
                last_activity = None
            elif kind_of == "active" and rng.random() < 0.005:
                reactivated = last_activity - rng.random() * 30 * DAY
            if kind_of in ("warned", "bounced"):
                state = "warned"
                sent = now - rng.random() * 30 * DAY
                changed = sent - 120
                if kind_of == "bounced":
                    failed, sent = sent, None
            elif kind_of == "deactivated":
                state = "deactivated"
                reason = (
                    "inactivity"
                    if rng.random() < 0.8
                    else OTHER_DEACTIVATION_REASONS[uid % len(OTHER_DEACTIVATION_REASONS)]
                )
                sent = now - rng.random() * 30 * DAY
                changed = sent - 120
            elif kind_of == "suspended":
                state = "suspended"
                suspension = SUSPENSION_REASONS[uid % len(SUSPENSION_REASONS)]
                changed = now - rng.random() * 365 * DAY
            active = state in ("active", "warned")
            accounts.row(
                uid,
                password_hash if uid <= PASSWORD_USERS else "!",
                None if last_activity is None else ts(last_activity),
                "f",
                email,
                first,
                last,
                f"06{uid % 100_000_000:08d}" if uid % 3 == 0 else "",
                "t" if active else "f",
                "f",
                ts(joined),
                None if last_activity is None else ts(last_activity),
                state,
                reason,
                suspension,
                None if changed is None else ts(changed),
                None if reactivated is None else ts(reactivated),
                None if sent is None else ts(sent),
                None if failed is None else ts(failed),
            )
            add("account_emailaddress", email_cols, uid, email, "t", "t", uid)

            # Memberships and accesses.
            kind = org_kind[org]
            mid = membership(uid, org, is_admin, joined)
            if is_admin:
                access(mid, KIND_ADMIN_PLATFORM[kind], "administrateur", joined)
                add(
                    "accounts_organisationuserobjectpermission",
                    perm_cols,
                    next_id("perm"),
                    manage_perm,
                    uid,
                    org + 1,
                )
            else:
                options = KIND_ACCESSES[kind]
                platform, role = options[uid % len(options)]
                access(mid, platform, role, joined)
                if uid % 5 == 0:
                    platform2, role2 = options[(uid + 1) % len(options)]
                    if (platform2, role2) != (platform, role):
                        access(mid, platform2, role2, joined + DAY)
            if uid % 10 == 3 and n_orgs > 1:
                second = (org + 1) % n_orgs
                mid2 = membership(uid, second, False, joined + 7 * DAY)
                options = KIND_ACCESSES[org_kind[second]]
                access(mid2, *options[uid % len(options)], joined + 7 * DAY)

            # CGU acceptances: the version in force at sign-up, then the new one.
            reference = last_activity if last_activity is not None else joined
            version = 2 if joined >= v2_at else 1
            add(
                "legal_cguacceptance",
                accept_cols,
                next_id("acc"),
                uid,
                version,
                hashes[version],
                ts(joined),
                f"10.{uid % 250}.{(uid >> 8) % 250}.{uid % 249 + 1}",
                ua,
                "signup",
            )
            if version == 1 and reference > v2_at:
                add(
                    "legal_cguacceptance",
                    accept_cols,
                    next_id("acc"),
                    uid,
                    2,
                    hashes[2],
                    ts(max(v2_at, reference - DAY)),
                    f"10.{uid % 250}.{(uid >> 8) % 250}.{uid % 249 + 1}",
                    ua,
                    "reacceptance",
                )

            # Journal rows and notices.
            add(
                "lifecycle_journalentry",
                journal_cols,
                next_id("j"),
                uid,
                uid,
                "user",
                "membership_created",
                "",
                ts(joined),
                json.dumps({"organisation": org + 1}),
            )
            if kind_of in ("warned", "bounced") or reason == "inactivity":
                warned_at = changed if state == "warned" else changed - 16 * DAY
                warning_sent = warned_at + 120
                add(
                    "lifecycle_journalentry",
                    journal_cols,
                    next_id("j"),
                    uid,
                    None,
                    "system",
                    "warned",
                    "inactivity",
                    ts(warned_at),
                    json.dumps({"last_activity_at": ts(reference)}),
                )
                bounced = kind_of == "bounced"
                add(
                    "lifecycle_notice",
                    notice_cols,
                    next_id("n"),
                    uid,
                    "warning",
                    ts(warned_at),
                    "bounced" if bounced else "accepted",
                    ts(warned_at),
                    1,
                    None if bounced else ts(warning_sent),
                    ts(warning_sent) if bounced else None,
                    ts(warning_sent + 16 * DAY),
                    f"<bench-w-{uid}@mail.example>",
                    "550 mailbox unavailable" if bounced else "",
                    "",
                )
            if state == "deactivated":
                staff = staff_ids[uid % STAFF] if reason != "inactivity" else None
                add(
                    "lifecycle_journalentry",
                    journal_cols,
                    next_id("j"),
                    uid,
                    staff,
                    "system" if staff is None else "opco",
                    "deactivated",
                    reason,
                    ts(changed),
                    "{}",
                )
                add(
                    "lifecycle_notice",
                    notice_cols,
                    next_id("n"),
                    uid,
                    "deactivation",
                    ts(changed),
                    "accepted",
                    ts(changed),
                    1,
                    ts(sent),
                    None,
                    ts(sent + 16 * DAY),
                    f"<bench-d-{uid}@mail.example>",
                    "",
                    "",
                )
            if state == "suspended":
                add(
                    "lifecycle_journalentry",
                    journal_cols,
                    next_id("j"),
                    uid,
                    staff_ids[uid % STAFF],
                    "opco",
                    "suspended",
                    suspension,
                    ts(changed),
                    "{}",
                )

            # Sign-in traces: sessions of the recently active, tokens and logins.
            if last_activity is not None and now - last_activity < 14 * DAY:
                key = hashlib.sha1(f"s{uid}".encode(), usedforsecurity=False).hexdigest()[:32]
                data = store.encode(
                    {"_auth_user_id": str(uid), "_auth_user_backend": "bench", "_auth": "1"}
                )
                add("django_session", session_cols, key, data, ts(last_activity + 14 * DAY))
                add(
                    "usersessions_usersession",
                    usersession_cols,
                    next_id("us"),
                    ts(last_activity - 3600),
                    f"10.1.{uid % 250}.{uid % 249 + 1}",
                    ts(last_activity),
                    key,
                    ua,
                    "{}",
                    uid,
                )
            if uid % 10 == 1 and last_activity is not None:
                client = client_ids[uid % len(client_ids)]
                token = hashlib.sha256(f"rt{uid}".encode()).hexdigest()
                add(
                    "allauth_idp_oidc_token",
                    token_cols,
                    next_id("t"),
                    "rt",
                    token,
                    "\\N",
                    ts(last_activity),
                    ts(last_activity + 30 * DAY),
                    "openid\\nprofile\\nemail",
                    client,
                    uid,
                )
                if now - last_activity < DAY:
                    add(
                        "allauth_idp_oidc_token",
                        token_cols,
                        next_id("t"),
                        "at",
                        hashlib.sha256(f"at{uid}".encode()).hexdigest(),
                        "\\N",
                        ts(last_activity),
                        ts(last_activity + 900),
                        "openid\\nprofile\\nemail",
                        client,
                        uid,
                    )
                add(
                    "platforms_platformlogin",
                    login_cols,
                    next_id("l"),
                    uid,
                    platform_by_client[client],
                    ts(joined),
                    ts(last_activity),
                )
            if uid % 10 in (2, 5, 8):
                add(
                    "legal_consentrecord",
                    consent_cols,
                    next_id("c"),
                    uuid.UUID(int=uid),
                    '{"necessary": true, "audience": %s}' % ("true" if uid % 2 else "false"),
                    "2026-11",
                    ts(reference),
                    uid,
                )
            if uid % 100 == 7:
                add(
                    "django_admin_log",
                    log_cols,
                    next_id("log"),
                    ts(reference),
                    uid,
                    email[:200],
                    2,
                    '[{"changed": {"fields": ["T\\u00e9l\\u00e9phone"]}}]',
                    user_ct,
                    staff_ids[uid % STAFF],
                )
            if uid % 50 == 11:
                # An invitation this organisation's administrator sent; half accepted.
                invited_at = now - rng.random() * 60 * DAY
                accepted = uid % 100 == 11
                add(
                    "accounts_invitation",
                    invitation_cols,
                    next_id("inv"),
                    org + 1,
                    email if accepted else f"invite.{uid}@{org_domain[org]}",
                    hashlib.sha256(f"inv{uid}".encode()).hexdigest()[:43],
                    admin_of[org] or None,
                    "f",
                    ts(invited_at),
                    ts(invited_at + 7 * DAY),
                    ts(invited_at + DAY) if accepted else None,
                    uid if accepted else None,
                )
        # Staff: N+1 is the superuser, the others OPCO agents.
        for number, uid in enumerate(staff_ids):
            email = BENCH_ADMIN_EMAIL if number == 0 else f"agent{number}@opco-mobilites.fr"
            accounts.row(
                uid,
                password_hash,
                None,
                "t" if number == 0 else "f",
                email,
                "Agent",
                f"OPCO {number}",
                "",
                "t",
                "t",
                ts(now - 3 * 365 * DAY),
                ts(now - DAY),
                "active",
                "",
                "",
                None,
                None,
                None,
                None,
            )
            add("account_emailaddress", email_cols, uid, email, "t", "t", uid)
            add(
                "legal_cguacceptance",
                accept_cols,
                next_id("acc"),
                uid,
                2,
                hashes[2],
                ts(v2_at),
                "10.0.0.1",
                ua,
                "signup",
            )
        for table_copier in copiers.values():
            table_copier.close()
        progress.close()
        rebuilt = time.perf_counter()
        restore_indexes(connection, dropped)
        print(f"seed: {len(dropped)} index reconstruits en {time.perf_counter() - rebuilt:.1f} s")

        # Identity sequences past the explicit ids.
        for table in [
            "accounts_user",
            *[t for t in copiers if t not in ("django_session", "accounts_user")],
        ]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        # Foreign keys were not checked row by row: check each link once.
        cursor.execute(
            """
            SELECT conrelid::regclass, a.attname, confrelid::regclass, fa.attname
              FROM pg_constraint c
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
              JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
             WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            """,
            [list(copiers)],
        )
        for table, column, target, target_column in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS"  # noqa: S608
                f" (SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column})"
            )
            orphans = cursor.fetchone()[0]
            if orphans:
                raise RuntimeError(f"{orphans} rows of {table}.{column} point nowhere")
    loaded = time.perf_counter() - started
    connection.close()
    import psycopg

    with psycopg.connect(**params, autocommit=True) as vacuum:
        vacuum.execute("VACUUM (ANALYZE)")
    total = time.perf_counter() - started
    print(
        f"seed: {users:,} comptes ({counts}), {n_orgs:,} organisations,"
        f" chargés en {loaded:.1f} s, VACUUM ANALYZE compris {total:.1f} s"
    )
    return counts


if __name__ == "__main__":
    main()
