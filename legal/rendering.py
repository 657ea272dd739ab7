"""Markdown to safe HTML, and differences between two texts (by rendered paragraph).

Both are pure functions of their input: the Markdown is rendered by ``markdown``
and then cleaned by ``nh3`` (an allow-list sanitiser), so a CGU text can never
inject a script or an event handler into the page.
"""

import difflib
import re
from dataclasses import dataclass
from html import unescape

import markdown
import nh3
from django.utils.html import escape, format_html
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


# --- Difference of the rendered texts, paragraph by paragraph ---------------------

BLOCK = re.compile(r"<(h[1-6]|p|li|th|td|pre)\b[^>]*>(.*?)</\1>", re.S)
TAG = re.compile(r"<[^>]+>")
# Below this similarity two paragraphs are not "the same paragraph, changed".
SAME_PARAGRAPH_RATIO = 0.4


@dataclass(frozen=True)
class ParagraphRow:
    """One paragraph of a difference; ``kind``: equal, replace, delete or insert.

    ``left`` / ``right`` are safe HTML: the paragraph's text (escaped) with the
    removed words in ``<del>`` (left) and the added words in ``<ins>`` (right).
    ``heading`` says the block is a title (rendered in bold).
    """

    kind: str
    left: SafeString
    right: SafeString
    heading: bool = False


def paragraphs(text: str) -> list[tuple[str, str]]:
    """(tag, plain text) of each block of ``text`` as rendered for the reader."""
    html = str(render_markdown(text))
    blocks = []
    for tag, inner in BLOCK.findall(html):
        plain = " ".join(unescape(TAG.sub(" ", inner)).split())
        if plain:
            blocks.append((tag, plain))
    return blocks


def _words_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    a, b = old.split(" "), new.split(" ")
    left, right = [], []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if tag == "equal":
            left.append(escape(removed))
            right.append(escape(added))
            continue
        if removed:
            left.append(format_html("<del>{}</del>", removed))
        if added:
            right.append(format_html("<ins>{}</ins>", added))
    return mark_safe(" ".join(left)), mark_safe(" ".join(right))  # noqa: S308 - parts escaped


def paragraph_diff(old: str, new: str) -> list[ParagraphRow]:
    """Compare two Markdown texts as a reader sees them: by rendered paragraph.

    Markdown syntax (``#``, ``*``) never shows; a paragraph whose words changed is
    one "replace" row with the changes marked inside it; unrelated paragraphs are
    a deletion and an insertion.
    """
    old_blocks, new_blocks = paragraphs(old), paragraphs(new)
    rows: list[ParagraphRow] = []
    matcher = difflib.SequenceMatcher(
        a=[t for _, t in old_blocks], b=[t for _, t in new_blocks], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = old_blocks[i1:i2], new_blocks[j1:j2]
        if tag == "equal":
            rows += [
                ParagraphRow("equal", escape(t), escape(t), kind.startswith("h"))
                for kind, t in left
            ]
            continue
        for offset in range(max(len(left), len(right))):
            before = left[offset] if offset < len(left) else None
            after = right[offset] if offset < len(right) else None
            similar = (
                before is not None
                and after is not None
                and difflib.SequenceMatcher(a=before[1], b=after[1]).ratio()
                >= SAME_PARAGRAPH_RATIO
            )
            if similar:
                marked_left, marked_right = _words_diff(before[1], after[1])
                rows.append(
                    ParagraphRow("replace", marked_left, marked_right, after[0].startswith("h"))
                )
                continue
            if before is not None:
                rows.append(
                    ParagraphRow(
                        "delete",
                        format_html("<del>{}</del>", before[1]),
                        mark_safe(""),
                        before[0].startswith("h"),
                    )
                )
            if after is not None:
                rows.append(
                    ParagraphRow(
                        "insert",
                        mark_safe(""),
                        format_html("<ins>{}</ins>", after[1]),
                        after[0].startswith("h"),
                    )
                )
    return rows
