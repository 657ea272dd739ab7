"""Markdown to safe HTML, and a side-by-side line difference between two texts.

Both are pure functions of their input: the Markdown is rendered by ``markdown``
and then cleaned by ``nh3`` (an allow-list sanitiser), so a CGU text can never
inject a script or an event handler into the page.
"""

import difflib
from dataclasses import dataclass

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def render_markdown(text: str) -> SafeString:
    """Render ``text`` (Markdown) to HTML safe to include in a page."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 — sanitised by nh3 just above


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side difference; ``kind`` is equal, replace, delete or insert."""

    kind: str
    left_number: int | None
    left: str
    right_number: int | None
    right: str


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """Line-by-line difference of ``old`` and ``new`` (texts are escaped by the template)."""
    old_lines = old.replace("\r\n", "\n").split("\n")
    new_lines = new.replace("\r\n", "\n").split("\n")
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        left = old_lines[i1:i2]
        right = new_lines[j1:j2]
        for offset in range(max(len(left), len(right))):
            has_left = offset < len(left)
            has_right = offset < len(right)
            rows.append(
                DiffRow(
                    kind=tag,
                    left_number=i1 + offset + 1 if has_left else None,
                    left=left[offset] if has_left else "",
                    right_number=j1 + offset + 1 if has_right else None,
                    right=right[offset] if has_right else "",
                )
            )
    return rows
