import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.legal.factories import publish

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "import-samples"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SAMPLE_FILES = [
    "organisations.csv",
    "utilisateurs.csv",
    "rattachements.csv",
    "habilitations.csv",
    "acceptations_cgu.csv",
]


@pytest.fixture
def cgu_v2(db):
    return publish(now=datetime(2025, 2, 1, tzinfo=UTC), label="Février 2025 (version 2)")


@pytest.fixture
def samples(tmp_path, cgu_v2) -> dict[str, Path]:
    """A copy of docs/import-samples (the documented files) to edit freely."""
    files = {}
    for name in SAMPLE_FILES:
        files[name] = tmp_path / name
        shutil.copy(SAMPLES / name, files[name])
    return files


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path
