"""Every name the back-office shows is French, libraries included (issue 15 item 5).

Walks what the admin builds its pages from, for every registered model: the app
and model names, list columns and filters, actions, add/change form labels,
read-only fields and fieldset titles, and every permission as the permission
widgets show it ("app | model | name"). A word of English, or one of the broken
French names libraries ship ("Tâches périodique", "Intervales"), fails the test
and names where it was found.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.utils import translation

from .factories import UserFactory

pytestmark = pytest.mark.django_db

# Words of the English names Django, allauth, guardian and celery-beat give their
# models, fields, columns and permissions, that are not French words.
ENGLISH_WORDS = set(
    re.findall(
        r"\w+",
        """
    a an the of at by is to for and with from
    can add change delete view
    user users group groups staff superuser password joined login email address addresses
    primary verified authenticator authenticators token tokens hash data key value owner
    scope scopes redirect grant response origins allow skip consent created updated modified
    accepted decided invited expires expired claimed until last first used seen run runs name
    task tasks periodic schedule schedules scheduler crontabs interval intervals solar event
    events clocked human readable enabled start time priority exchange routing headers
    one off keyword result results count entry entries log object content status membership
    memberships platform platforms role roles path paths legal representative request requests
    state kind step next reason window windows stream streams sweep tombstone text label summary
    published acceptance acceptances proof closure received answered answer uploaded attempts
    failed delivered settings rows row job jobs
    """,
    )
)
BROKEN_FRENCH = ["tâches périodique", "intervales", "évènements solaire", "tâches planifiée "]
WORD = re.compile(r"[^\W\d_]+")


# Technical terms an agent may need to recognise, quoted after the French word.
TERMS = re.compile(r"\((user agent)\)")


def english_in(text: str) -> list[str]:
    text = TERMS.sub("", text)
    words = [w for w in WORD.findall(text) if w.lower() in ENGLISH_WORDS]
    broken = [b for b in BROKEN_FRENCH if b in f"{text.lower()} "]
    return words + broken


def shown_names(request):
    """(where, text) for every name the admin shows of every registered model."""
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        where = opts.label
        yield f"{where} app", opts.app_config.verbose_name
        yield f"{where} name", opts.verbose_name
        yield f"{where} plural", opts.verbose_name_plural
        for name in model_admin.get_list_display(request):
            yield f"{where} column {name}", label_for_field(name, model, model_admin)
        for item in model_admin.get_list_filter(request):
            if isinstance(item, str):
                yield f"{where} filter {item}", label_for_field(item.split("__")[0], model)
            elif isinstance(item, tuple):
                yield f"{where} filter {item[0]}", label_for_field(item[0], model)
            elif hasattr(item, "title"):
                yield f"{where} filter {item.__name__}", item.title
        for _func, name, description in model_admin.get_actions(request).values():
            yield (
                f"{where} action {name}",
                description % {"verbose_name_plural": opts.verbose_name_plural},
            )
        form = model_admin.get_form(request)
        for name, field in form.base_fields.items():
            yield f"{where} form {name}", field.label or name
        for name in model_admin.get_readonly_fields(request):
            yield f"{where} read-only {name}", label_for_field(name, model, model_admin, form=form)
        for title, _options in model_admin.get_fieldsets(request):
            if title:
                yield f"{where} fieldset", title
    for permission in Permission.objects.select_related("content_type"):
        yield f"permission {permission.codename}", str(permission)


def test_no_name_shown_in_the_admin_is_english():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    found = {}
    with translation.override("fr"):
        for where, text in shown_names(request):
            hits = english_in(str(text))
            if hits:
                found[where] = f"{text} {hits}"
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


@pytest.mark.parametrize(
    "text",
    ["Can add email address", "USER", "Authenticators", "User sessions", "Tâches périodique"],
)
def test_the_check_catches_what_agents_read_before(text):
    assert english_in(text)


def test_the_check_lets_french_through():
    assert english_in("Peut voir session utilisateur · Tâches planifiées · intervalles") == []
