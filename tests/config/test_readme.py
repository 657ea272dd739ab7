"""The README is the whole story on a fresh clone (issue 15 item 14)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_and_docs_do_not_point_outside_the_repository():
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "/work/" not in text, path.name


def test_readme_says_where_mails_go_and_how_the_demo_agent_passes_mfa():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "console" in text and "Subject:" in text
    assert "demo_totp" in text
