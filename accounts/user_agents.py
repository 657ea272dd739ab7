"""A browser's user-agent string as a person names it: "Chrome sur Windows".

For the "Mes sessions" page. A small ordered rule list rather than a dependency: the
page needs the browser family and the system, not versions or devices, and the tokens
that tell them apart have been stable for a decade. Order matters (Edge and Opera also
say "Chrome", Chrome also says "Safari", Android also says "Linux"). Unknown strings
give "Navigateur inconnu" (with the system when it is known); never an error.
"""

from django.utils.translation import gettext as _

# (token in the string, name) — first match wins.
BROWSERS = [
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chromium", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Trident/", "Internet Explorer"),
    ("MSIE ", "Internet Explorer"),
    ("Safari/", "Safari"),
]
SYSTEMS = [
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
]


def _first(user_agent: str, rules: list[tuple[str, str]]) -> str | None:
    return next((name for token, name in rules if token in user_agent), None)


def describe(user_agent: str | None) -> str:
    """ "Chrome sur Windows", "Firefox sur Android", "Safari sur iPhone", "Navigateur inconnu"."""
    text = user_agent or ""
    browser = _first(text, BROWSERS)
    if browser == "Safari" and "Version/" not in text and "Mobile/" not in text:
        browser = None  # another WebKit program, not Safari itself
    system = _first(text, SYSTEMS)
    if browser and system:
        return _("%(browser)s sur %(system)s") % {"browser": browser, "system": system}
    if browser:
        return browser
    if system:
        return _("Navigateur inconnu sur %(system)s") % {"system": system}
    return _("Navigateur inconnu")
