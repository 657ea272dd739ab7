"""`make audit`: pip-audit on the lock file, failing loudly when it audited nothing.

pip-audit reports "No known vulnerabilities found" and exits 0 even when every
package "could not be audited" (vulnerability service unreachable, offline
machine). Here the JSON report is read: the audit fails (exit 2) when any
package was skipped, and above all when none was audited; it fails (exit 1) on
a known vulnerability, and says which.

Usage: python scripts/audit.py REQUIREMENTS_FILE
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def summarise(report: dict) -> tuple[int, list[str]]:
    """Exit code and the lines to print for a pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    lines = [f"{len(audited)} of {len(dependencies)} packages audited, {len(skipped)} skipped."]
    for dep in vulnerable:
        ids = ", ".join(v.get("id", "?") for v in dep["vulns"])
        lines.append(f"VULNERABLE {dep['name']} {dep.get('version', '')}: {ids}")
    if not audited:
        lines.append(
            "AUDIT FAILED: nothing was audited (is the vulnerability service reachable?)."
        )
        return 2, lines
    if skipped:
        lines.extend(f"SKIPPED {d['name']}: {d['skip_reason']}" for d in skipped)
        lines.append(f"AUDIT FAILED: {len(skipped)} packages could not be audited.")
        return 2, lines
    if vulnerable:
        lines.append(f"AUDIT FAILED: {len(vulnerable)} vulnerable packages.")
        return 1, lines
    lines.append("Audit passed: no known vulnerability in any package.")
    return 0, lines


def main(argv: list[str]) -> int:
    requirements = argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "audit.json"
        run = subprocess.run(  # noqa: S603 - fixed argv
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--no-deps",
                "--disable-pip",
                "-r",
                requirements,
                "-f",
                "json",
                "-o",
                str(output),
            ],
            check=False,
        )
        if not output.exists():
            print(f"AUDIT FAILED: pip-audit produced no report (exit {run.returncode}).")
            return 2
        code, lines = summarise(json.loads(output.read_text()))
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
