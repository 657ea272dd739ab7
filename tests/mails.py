"""What every mail sent during the tests must read like (issue 15 item 10).

Checked for each message the outbox holds after a test (``tests/conftest.py``):
the subject and the text part hold no HTML entity; the HTML part is not escaped
twice; the words a person reads (subject, text, the HTML part's text) follow
French typography: a no-break space (U+00A0 or U+202F), never a plain one, before
";", ":", "!", "?" and "»" and after "«", no such sign glued to the word before it
in prose, and "1er" for the first of a month.
"""

import html as html_lib
import re

ENTITY = re.compile(r"&(#x?[0-9a-fA-F]+|[a-zA-Z]+);")
PLAIN_SPACE_BEFORE_SIGN = re.compile(r"\S( +)[;:!?»]")
PLAIN_SPACE_AFTER_QUOTE = re.compile(r"«( +)\S")
# A sign glued to a word and followed by a space or the end of a line ("Bonjour:"),
# not "https://", "10:30" or a URL's "?next=".
GLUED_SIGN = re.compile(r"[^\s\u00a0\u202f/:\d\[\]][;:!?](?=\s|$)", re.M)
FIRST_OF_MONTH_WITHOUT_ER = re.compile(
    r"(?<![\w.,])1[ \u00a0](janvier|février|mars|avril|mai|juin|juillet|août|septembre"
    r"|octobre|novembre|décembre)\b"
)
TAGS = re.compile(r"<style\b.*?</style>|<script\b.*?</script>|<[^>]*>", re.S | re.I)


def typography_problems(text: str) -> list[str]:
    """What breaks French typography in ``text`` (words a person reads)."""
    problems = []
    for name, pattern in [
        ("plain space before a sign", PLAIN_SPACE_BEFORE_SIGN),
        ("plain space after «", PLAIN_SPACE_AFTER_QUOTE),
        ("sign glued to a word", GLUED_SIGN),
        ("1 instead of 1er", FIRST_OF_MONTH_WITHOUT_ER),
    ]:
        match = pattern.search(text)
        if match:
            start = max(0, match.start() - 30)
            problems.append(f"{name}: …{text[start : match.end() + 10]!r}")
    return problems


def text_problems(text: str) -> list[str]:
    """A subject or a text part: no entity, French typography."""
    match = ENTITY.search(text)
    entity = [f"HTML entity {match.group(0)}"] if match else []
    return entity + typography_problems(text)


def html_problems(document: str) -> list[str]:
    """An HTML part: not escaped twice, French typography in the text it shows."""
    double = [e for e in ("&amp;#", "&amp;amp;", "&amp;quot;", "&amp;lt;") if e in document]
    shown = html_lib.unescape(TAGS.sub("", document))
    return [f"escaped twice: {e}" for e in double] + typography_problems(shown)


def mail_problems(message) -> list[str]:
    """Every problem of ``message`` (subject, text part, HTML alternatives)."""
    problems = [f"subject: {p}" for p in text_problems(message.subject)]
    problems += [f"text: {p}" for p in text_problems(message.body)]
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            problems += [f"html: {p}" for p in html_problems(content)]
    return problems
