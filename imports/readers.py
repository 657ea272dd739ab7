"""Streaming readers for the import files: CSV (UTF-8 or cp1252, ``;`` or ``,``) and XLSX.

Invariants: a file is never loaded whole in memory. A CSV's encoding is decided by
one pass of an incremental UTF-8 decoder over the bytes (a French spreadsheet's
cp1252 export fails it at its first accented letter); its delimiter by the header
line. Header names are normalised (lower case, no accents, ``_`` for spaces) so
"Raison sociale", "raison_sociale" and "RAISON SOCIALE" are the same column.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

XLSX_MAGIC = b"PK\x03\x04"


def normalise_header(name) -> str:
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    return "_".join(text.strip().lower().replace("-", " ").replace("'", " ").split())


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8, else ``cp1252``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


class _CountingReader(io.RawIOBase):
    """A binary reader that counts the bytes read (for the progress bar)."""

    def __init__(self, handle):
        self.handle = handle
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.handle.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


@dataclass
class Source:
    """One input file being read: its header, its rows, how far it has been read."""

    path: Path
    header: list[str]
    rows: Iterator[tuple[int, dict]]
    encoding: str
    total: int  # bytes (CSV) or rows (XLSX), for progress
    _position: callable = None

    @property
    def position(self) -> int:
        return self._position() if self._position else 0


def is_xlsx(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == XLSX_MAGIC


def open_source(path: Path) -> Source:
    """Open ``path`` and return its normalised header and an iterator of (line, row dict).

    Line numbers are those a spreadsheet shows (the header is line 1). Values are
    strings with surrounding spaces removed (XLSX dates and numbers are kept as read).
    """
    path = Path(path)
    if is_xlsx(path):
        return _open_xlsx(path)
    return _open_csv(path)


def _open_csv(path: Path) -> Source:
    encoding = detect_encoding(path)
    raw = open(path, "rb")  # noqa: SIM115 — closed when the rows are exhausted
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=encoding, newline="")
    first = text.readline()
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    header = [normalise_header(h) for h in next(csv.reader([first], delimiter=delimiter))]

    def rows():
        try:
            reader = csv.reader(text, delimiter=delimiter)
            width = len(header)
            for line, values in enumerate(reader, start=2):
                row = {name: value.strip() for name, value in zip(header, values, strict=False)}
                if len(values) < width:
                    row.update(dict.fromkeys(header[len(values) :], ""))
                if not any(row.values()) and not any(v.strip() for v in values[width:]):
                    continue
                yield line, row
        finally:
            text.close()

    return Source(
        path=path,
        header=header,
        rows=rows(),
        encoding=encoding,
        total=path.stat().st_size,
        _position=lambda: counter.count,
    )


def _open_xlsx(path: Path) -> Source:
    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    header = [normalise_header(h) for h in next(iterator, ())]
    state = {"line": 1}

    def rows():
        try:
            for line, values in enumerate(iterator, start=2):
                state["line"] = line
                if all(v is None or str(v).strip() == "" for v in values):
                    continue
                yield (
                    line,
                    {
                        name: _cell(values[i] if i < len(values) else None)
                        for i, name in enumerate(header)
                    },
                )
        finally:
            workbook.close()

    return Source(
        path=path,
        header=header,
        rows=rows(),
        encoding="xlsx",
        total=max(sheet.max_row or 1, 1),
        _position=lambda: state["line"],
    )


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a SIRET or a phone typed as a number
    if isinstance(value, int | bool):
        return str(value)
    return value  # datetime / date: parsed by the validators
