"""`make audit` fails loudly when it audited nothing (issue 11, item 9)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

SKIPPED = {"skip_reason": "Dependency not found on PyPI and could not be audited"}


def test_nothing_audited_fails_instead_of_reporting_no_vulnerability():
    report = {"dependencies": [{"name": "amqp", **SKIPPED}, {"name": "django", **SKIPPED}]}
    code, lines = audit.summarise(report)
    assert code != 0
    assert "0 of 2 packages audited" in lines[0]
    assert any("nothing was audited" in line for line in lines)


def test_one_skipped_package_fails_too():
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2", "vulns": []},
            {"name": "amqp", **SKIPPED},
        ]
    }
    code, lines = audit.summarise(report)
    assert code != 0 and "SKIPPED amqp" in "\n".join(lines)


def test_vulnerable_package_fails_and_is_named():
    report = {"dependencies": [{"name": "django", "version": "5.2", "vulns": [{"id": "CVE-1"}]}]}
    code, lines = audit.summarise(report)
    assert code == 1 and "VULNERABLE django 5.2: CVE-1" in lines


def test_every_package_audited_and_clean_passes():
    report = {"dependencies": [{"name": "django", "version": "5.2", "vulns": []}]}
    assert audit.summarise(report)[0] == 0
