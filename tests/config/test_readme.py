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


def test_readme_links_a_screenshot_of_each_main_page_at_both_widths_and_the_command():
    """Every linked screenshot exists, each page at 1280 and 360 px, none left unlinked,
    and the README names the command that regenerates them (a Makefile target)."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\((docs/screenshots/[^)]+\.png)\)", text))
    on_disk = {f"docs/screenshots/{p.name}" for p in (ROOT / "docs/screenshots").glob("*.png")}
    assert linked and linked == on_disk
    pages = {re.sub(r"-(1280|360)\.png$", "", name) for name in linked}
    assert linked == {f"{page}-{width}.png" for page in pages for width in (1280, 360)}
    assert "make screenshots" in text
    assert re.search(r"^screenshots:", (ROOT / "Makefile").read_text(), re.M)


def test_readme_links_only_files_of_the_repository():
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (ROOT / target).exists(), target
