"""``manage.py import_accounts``: validate everything, then write all rows or the valid ones."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import AccountState, Membership, Organisation, User
from imports.models import ImportedAccount
from legal.models import CGUAcceptance
from platforms.models import Access

from .conftest import NOW, SAMPLE_FILES, write

pytestmark = pytest.mark.django_db


def run(*paths, **options) -> tuple[str, int]:
    out = StringIO()
    code = 0
    with time_machine.travel(NOW, tick=False):
        try:
            call_command("import_accounts", *[str(p) for p in paths], stdout=out, **options)
        except SystemExit as exc:
            code = exc.code
    return out.getvalue(), code


def all_files(samples):
    return [samples[name] for name in SAMPLE_FILES]


def snapshot():
    return {
        "users": list(
            User.objects.order_by("email").values_list(
                "email", "first_name", "last_name", "phone", "date_joined", "last_activity_at"
            )
        ),
        "orgs": list(Organisation.objects.order_by("siret").values_list()),
        "memberships": list(Membership.objects.order_by("pk").values_list()),
        "accesses": list(Access.objects.order_by("pk").values_list()),
        "cgu": list(CGUAcceptance.objects.order_by("pk").values_list()),
    }


def test_the_documented_sample_files_import_every_row(samples):
    out, code = run(*reversed(all_files(samples)))  # any order on the command line

    assert code == 0, out
    assert "Import enregistré." in out
    marie = User.objects.get(email="marie.dupont@transports-dupont.fr")
    assert not marie.has_usable_password()
    assert marie.state == AccountState.ACTIVE and marie.is_active
    # Naive dates are Europe/Paris wall-clock times.
    assert marie.date_joined == datetime(2019, 3, 15, 9, 0, tzinfo=UTC)
    assert marie.last_activity_at == datetime(2025, 6, 2, 6, 30, tzinfo=UTC)
    assert User.objects.get(email="paul.leroy@transports-dupont.fr").last_activity_at is None
    assert ImportedAccount.objects.count() == 3
    assert Organisation.objects.get(siret="38012986600014").kind == Organisation.Kind.OF
    admin = Membership.objects.get(user=marie, organisation__siret="55208131700018")
    assert admin.is_administrator and admin.is_legal_representative
    assert marie.has_perm("accounts.manage_organisation", admin.organisation)
    assert Access.objects.count() == 4
    assert set(marie.memberships.get().accesses.values_list("role__code", flat=True)) == {
        "administrateur",
        "gestionnaire",
    }
    proof = CGUAcceptance.objects.get(user=marie)
    assert proof.context == CGUAcceptance.Context.IMPORT
    assert proof.version_hash == proof.version.text_hash


def test_reimporting_the_same_files_changes_nothing(samples):
    run(*all_files(samples))
    before = snapshot()

    out, code = run(*all_files(samples))

    assert code == 0
    assert snapshot() == before
    assert "Utilisateurs : 0 créé(s), 0 mis à jour, 3 inchangé(s), 0 rejeté(s)" in out
    assert "Habilitations : 0 créé(s), 0 mis à jour, 4 inchangé(s), 0 rejeté(s)" in out


def test_a_changed_row_updates_its_record(samples):
    run(*all_files(samples))
    users = samples["utilisateurs.csv"]
    users.write_text(users.read_text().replace(";Paul;Leroy;", ";Paul;Leroy-Martin;"))
    memberships = samples["rattachements.csv"]
    memberships.write_text(
        memberships.read_text().replace(
            "paul.leroy@transports-dupont.fr;55208131700018;non;non",
            "paul.leroy@transports-dupont.fr;55208131700018;oui;non",
        )
    )

    out, _code = run(users, memberships)

    paul = User.objects.get(email="paul.leroy@transports-dupont.fr")
    assert paul.last_name == "Leroy-Martin"
    assert "Utilisateurs : 0 créé(s), 1 mis à jour, 2 inchangé(s)" in out
    assert paul.has_perm(
        "accounts.manage_organisation", Organisation.objects.get(siret="55208131700018")
    )


def test_a_reimport_never_moves_last_activity_backwards(samples):
    run(*all_files(samples))
    marie = User.objects.get(email="marie.dupont@transports-dupont.fr")
    newer = datetime(2026, 11, 30, tzinfo=UTC)
    User.objects.filter(pk=marie.pk).update(last_activity_at=newer)

    run(samples["utilisateurs.csv"])

    marie.refresh_from_db()
    assert marie.last_activity_at == newer


BAD_ORGS = """siret;type;raison_sociale;adresse
55208131700018;Entreprise;Transports Dupont;Lyon
55208131700019;Entreprise;Clé fausse;Lyon
55208131700018;Entreprise;Doublon;Lyon
38012986600014;Association;Type inconnu;Lyon
"""
BAD_USERS = """email;prenom;nom;telephone;cree_le;derniere_activite_le
marie.dupont@transports-dupont.fr;Marie;Dupont;;15/03/2019;
Marie.Dupont@Transports-Dupont.fr;Marie;Doublon;;15/03/2019;
paul@example.fr;Paul;Futur;;15/03/2019;02/01/2027
"""
BAD_ACCESSES = """email;siret;plateforme;role
marie.dupont@transports-dupont.fr;55208131700018;mgestion-inconnue;gestionnaire
marie.dupont@transports-dupont.fr;55208131700018;mgestion-of;cabinet-comptable
marie.dupont@transports-dupont.fr;55208131700018;mgestion-entreprise;Chef
marie.dupont@transports-dupont.fr;55208131700018;mtutorat;gestionnaire
"""
BAD_MEMBERSHIPS = """email;siret;administrateur;representant_legal
marie.dupont@transports-dupont.fr;55208131700018;oui;oui
marie.dupont@transports-dupont.fr;73282932000017;non;non
"""


def bad_files(tmp_path):
    return [
        write(tmp_path / "orgs.csv", BAD_ORGS),
        write(tmp_path / "users.csv", BAD_USERS),
        write(tmp_path / "members.csv", BAD_MEMBERSHIPS),
        write(tmp_path / "access.csv", BAD_ACCESSES),
    ]


def test_faulty_rows_are_reported_per_file_line_and_column_and_nothing_is_written(
    tmp_path, cgu_v2
):
    out, code = run(*bad_files(tmp_path))

    assert code == 1
    expected = [
        "orgs.csv, ligne 3, colonne siret : Ce numéro SIRET n'est pas valide (clé de contrôle incorrecte).",
        "orgs.csv, ligne 4, colonne siret : SIRET en double (déjà ligne 2 de orgs.csv).",
        "orgs.csv, ligne 5, colonne type : Type d'organisation inconnu « Association »",
        "users.csv, ligne 3, colonne email : Adresse e-mail en double (déjà ligne 2 de users.csv ; la casse ne compte pas).",
        "users.csv, ligne 4, colonne derniere_activite_le : Date dans le futur (02/01/2027 00:00)",
        "members.csv, ligne 3, colonne siret : Organisation inconnue : le SIRET 73282932000017",
        "access.csv, ligne 2, colonne plateforme : Plateforme inconnue « mgestion-inconnue »",
        "access.csv, ligne 3, colonne role : La plateforme M-Gestion OF ne propose pas le rôle Cabinet comptable.",
        "access.csv, ligne 4, colonne role : Rôle inconnu « Chef ».",
        "access.csv, ligne 5, colonne plateforme : La plateforme M-Tutorat gère ses propres comptes",
    ]
    for message in expected:
        assert message in out
    assert "Import refusé : 10 ligne(s) en erreur, rien n'a été enregistré." in out
    assert not User.objects.exists()
    assert not Organisation.objects.exists()
    assert not Membership.objects.exists()


def test_valid_only_writes_the_valid_rows_and_the_rejected_ones_to_a_csv(tmp_path, cgu_v2):
    report = tmp_path / "out" / "rapport.csv"
    _out, code = run(*bad_files(tmp_path), valid_only=True, report=report)

    assert code == 0
    assert list(Organisation.objects.values_list("siret", flat=True)) == ["55208131700018"]
    assert list(User.objects.values_list("email", flat=True)) == [
        "marie.dupont@transports-dupont.fr"
    ]
    assert Membership.objects.count() == 1 and not Access.objects.exists()
    rejects = (tmp_path / "out" / "access-rejets.csv").read_text(encoding="utf-8")
    assert rejects.splitlines()[0] == "ligne;email;siret;plateforme;role;motif"
    assert "5;marie.dupont@transports-dupont.fr;55208131700018;mtutorat;gestionnaire;" in rejects
    assert len(report.read_text(encoding="utf-8").splitlines()) == 1 + 10


def test_dry_run_prints_the_report_and_writes_nothing(samples):
    out, code = run(*all_files(samples), dry_run=True)

    assert code == 0
    assert "Utilisateurs : 3 créé(s)" in out
    assert "Simulation : rien n'a été enregistré." in out
    assert not User.objects.exists() and not Organisation.objects.exists()


def test_a_cp1252_file_with_commas_is_read(tmp_path, cgu_v2):
    orgs = write(
        tmp_path / "orgs.csv",
        "SIRET,Type,Raison sociale,Adresse\r\n"
        '55208131700018,Centre de formation d\'apprentis,"Société Générale des Métiers, Lyon",Vénissieux\r\n',
        encoding="cp1252",
    )

    out, code = run(orgs)

    assert code == 0, out
    org = Organisation.objects.get()
    assert org.legal_name == "Société Générale des Métiers, Lyon"
    assert org.address == "Vénissieux"
    assert org.kind == Organisation.Kind.CFA


def test_an_xlsx_file_is_read_with_its_dates_and_numbers(tmp_path, cgu_v2):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["email", "prénom", "nom", "téléphone", "créé le", "dernière activité le"])
    sheet.append(
        ["eloise@example.fr", "Éloïse", "Bérard", 612345678, datetime(2020, 5, 4, 8, 0), None]
    )
    sheet.append(["bad-address", "X", "Y", None, datetime(2020, 5, 4), None])
    path = tmp_path / "utilisateurs.xlsx"
    workbook.save(path)

    out, _code = run(path, valid_only=True)

    user = User.objects.get()
    assert user.first_name == "Éloïse" and user.phone == "612345678"
    assert user.date_joined == datetime(2020, 5, 4, 6, 0, tzinfo=UTC)
    assert (
        "utilisateurs.xlsx, ligne 3, colonne email : Adresse e-mail invalide « bad-address »."
        in out
    )


def test_an_address_used_by_an_account_created_here_is_not_taken_over(samples):
    User.objects.create_user(
        "paul.leroy@transports-dupont.fr", "x" * 20, first_name="P", last_name="L"
    )

    out, code = run(samples["utilisateurs.csv"])

    assert code == 1
    assert "ligne 3, colonne email : Un compte créé sur le centre de comptes utilise déjà" in out
    assert User.objects.get(email="paul.leroy@transports-dupont.fr").last_name == "L"


def test_a_file_of_no_known_kind_is_refused(tmp_path, cgu_v2):
    path = write(tmp_path / "divers.csv", "nom;valeur\nx;1\n")

    out, code = run(path)

    assert code == 1
    assert "divers.csv, ligne 1, colonne — : En-tête non reconnu" in out


def test_a_cgu_acceptance_is_a_proof_never_rewritten(samples):
    run(*all_files(samples))
    cgu = samples["acceptations_cgu.csv"]
    cgu.write_text(cgu.read_text().replace("03/03/2025 09:12", "04/03/2025 09:12"))

    out, code = run(cgu)

    assert code == 1
    assert "colonne acceptee_le : Une acceptation de cette version est déjà enregistrée" in out


def test_duplicates_are_found_across_chunks(tmp_path, cgu_v2, settings):
    settings.IMPORTS_CHUNK_SIZE = 1  # every row its own chunk: only the run's memory of keys

    out, code = run(*bad_files(tmp_path))

    assert code == 1
    assert "orgs.csv, ligne 4, colonne siret : SIRET en double (déjà ligne 2 de orgs.csv)." in out
    assert (
        "users.csv, ligne 3, colonne email : Adresse e-mail en double (déjà ligne 2 de users.csv"
        in out
    )
    assert "Import refusé : 10 ligne(s) en erreur" in out


def test_a_changed_organisation_updates_and_a_former_administrator_loses_the_right(samples):
    run(*all_files(samples))
    orgs = samples["organisations.csv"]
    orgs.write_text(orgs.read_text().replace("Transports Dupont", "Transports Dupont et Fils"))
    memberships = samples["rattachements.csv"]
    memberships.write_text(
        memberships.read_text().replace(
            "marie.dupont@transports-dupont.fr;55208131700018;oui;oui",
            "marie.dupont@transports-dupont.fr;55208131700018;non;oui",
        )
    )

    out, code = run(orgs, memberships)

    assert code == 0, out
    org = Organisation.objects.get(siret="55208131700018")
    assert org.legal_name.startswith("Transports Dupont et Fils")
    assert "Organisations : 0 créé(s), 1 mis à jour" in out
    marie = User.objects.get(email="marie.dupont@transports-dupont.fr")
    assert not Membership.objects.get(user=marie, organisation=org).is_administrator
    assert not marie.has_perm("accounts.manage_organisation", org)


def _users_file(tmp_path, n: int):
    lines = ["email;prenom;nom;telephone;cree_le;derniere_activite_le"]
    lines += [f"p{i}@example.fr;P;N{i};;15/03/2019;02/06/2025" for i in range(n)]
    return write(tmp_path / f"users{n}.csv", "\n".join(lines) + "\n")


def test_the_queries_of_a_chunk_do_not_grow_with_its_rows(tmp_path, cgu_v2):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (3, 60):
        path = _users_file(tmp_path, n)
        for _pass in ("create", "re-import"):
            with CaptureQueriesContext(connection) as queries:
                _out, code = run(path)
            assert code == 0
            counts.append(len(queries))
        User.objects.all().delete()

    assert counts[0] == counts[2] and counts[1] == counts[3], counts
