"""``manage.py import_accounts FILE…``: bring the previous system's accounts in.

Thin: parses options, calls ``imports.services.accounts_import`` once, prints the
French report. Exit status 1 when rows were rejected (and nothing written unless
``--valid-only``).
"""

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from imports import services


class _ProgressBar:
    def __init__(self, stream):
        self.stream = stream
        self.enabled = stream.isatty()
        self.last = None

    def __call__(self, label: str, fraction: float) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * fraction)
        text = f"\r{label[:30]:<30} [{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%}"
        if text != self.last:
            self.stream.write(text)
            self.stream.flush()
            self.last = text

    def done(self) -> None:
        if self.enabled and self.last:
            self.stream.write("\n")


class _RejectWriter:
    """Writes the report (every rejected row) and, with --valid-only, each file's rejects."""

    def __init__(self, report_path: Path, *, rejects: bool):
        report_path.parent.mkdir(parents=True, exist_ok=True)
        self.report_path = report_path
        self.handle = open(report_path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self.writer = csv.writer(self.handle, delimiter=";")
        self.writer.writerow(["fichier", "ligne", "colonne", "motif"])
        self.rejects = rejects
        self.files: dict[str, tuple] = {}

    def __call__(self, error: services.RowError) -> None:
        self.writer.writerow([error.file, error.line, error.column, error.message])
        if not self.rejects or not error.row:
            return
        if error.file not in self.files:
            path = self.report_path.with_name(f"{Path(error.file).stem}-rejets.csv")
            handle = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            writer = csv.writer(handle, delimiter=";")
            columns = list(error.row)
            writer.writerow(["ligne", *columns, "motif"])
            self.files[error.file] = (handle, writer, columns, path)
        _handle, writer, columns, _path = self.files[error.file]
        writer.writerow([error.line, *(error.row.get(c, "") for c in columns), error.message])

    def close(self) -> list[Path]:
        self.handle.close()
        for handle, *_rest in self.files.values():
            handle.close()
        return [entry[3] for entry in self.files.values()]


class Command(BaseCommand):
    help = _("Importe les comptes de l'ancien système (CSV ou XLSX, un fichier par type).")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Tout vérifier sans rien enregistrer.")
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help=_("Enregistrer les lignes valides ; les rejets vont dans un CSV."),
        )
        parser.add_argument(
            "--report",
            type=Path,
            default=None,
            help=_(
                "Fichier du rapport (par défaut : rapport-import-<date>.csv à côté du premier fichier)."
            ),
        )

    def handle(self, *args, files, dry_run, valid_only, report, **options):
        for path in files:
            if not path.is_file():
                raise CommandError(_("Fichier introuvable : %(path)s") % {"path": path})
        now = timezone.now()
        report_path = report or files[0].with_name(f"rapport-import-{now:%Y%m%d-%H%M%S}.csv")
        writer = _RejectWriter(report_path, rejects=valid_only)
        bar = _ProgressBar(sys.stderr)
        try:
            result = services.accounts_import(
                paths=files,
                now=now,
                dry_run=dry_run,
                valid_only=valid_only,
                progress=bar,
                on_error=writer,
            )
        finally:
            bar.done()
            rejects = writer.close()
        for error in result.errors:
            self.stdout.write(services.format_error(error))
        if result.error_count > len(result.errors):
            self.stdout.write(
                _("… et %(n)s autre(s) erreur(s) : voir le rapport.")
                % {"n": result.error_count - len(result.errors)}
            )
        for line in result.summary_lines():
            self.stdout.write(line)
        self.stdout.write(_("Rapport : %(path)s") % {"path": report_path})
        for path in rejects:
            self.stdout.write(_("Lignes rejetées : %(path)s") % {"path": path})
        if result.error_count and not valid_only:
            sys.exit(1)
