"""French typography of the mails people read (issue 15 item 10).

French sets a no-break space before ":" and "»" and after "«" (U+00A0), and a
narrow no-break space before ";", "!" and "?" (U+202F), so a line never starts
with the sign; the first of the month is written "1er décembre", not "1 décembre".

``french_typography`` applies both to a text part or a subject; ``french_typography_html``
to the text between the tags of an HTML part (tags, attributes, ``<style>`` and
``<script>`` untouched). Only a plain space typed before or after the sign is
replaced: a sign glued to a word ("https://", "10:30", "?next=") is not prose and
is left as it is. Every mail goes through one of the two (``accounts.emails.email_queue``
and ``lifecycle.notices.build_message``). Idempotent. Pages write their dates with
the ``date_fr`` filter (``accounts.templatetags.typography``), which adds the "1er".
"""

import re

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"

_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_FIRST_OF_MONTH = re.compile(rf"(?<![\w.,])1(?=[ {NBSP}](?:{_MONTHS})\b)")
_BEFORE_WIDE = re.compile(r"(?<=\S) +(?=[:»])")
_BEFORE_NARROW = re.compile(rf"(?<=\S)[ {NBSP}]+(?=[;!?])")
_AFTER_OPENING_QUOTE = re.compile(r"(?<=«) +(?=\S)")
_HTML_SKIP = re.compile(r"(<style\b.*?</style>|<script\b.*?</script>|<[^>]*>)", re.S | re.I)


def first_of_the_month(text: str) -> str:
    """``text`` with "1er" for the first of a month ("1er décembre", not "1 décembre")."""
    return _FIRST_OF_MONTH.sub("1er", text)


def french_typography(text: str) -> str:
    """``text`` with French spaces around punctuation and "1er" for the first of a month."""
    text = first_of_the_month(text)
    text = _BEFORE_WIDE.sub(NBSP, text)
    text = _BEFORE_NARROW.sub(NARROW_NBSP, text)
    return _AFTER_OPENING_QUOTE.sub(NBSP, text)


def french_typography_html(html: str) -> str:
    """The same, applied to the text of an HTML document only."""
    parts = _HTML_SKIP.split(html)
    for index in range(0, len(parts), 2):
        # Text right after a tag follows a word of the previous element ("</a> !").
        parts[index] = (
            french_typography("x" + parts[index])[1:] if index else french_typography(parts[index])
        )
    return "".join(parts)
