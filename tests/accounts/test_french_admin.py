"""French everywhere in the back-office, installed libraries included (issue 15 item 5)."""

import html
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from .factories import UserFactory, with_second_factor

pytestmark = pytest.mark.django_db

# What an agent read in English (or broken French) before, on the home page and the lists.
ENGLISH = [
    "Authenticators",
    "authenticator",
    "User sessions",
    "user session",
    "OpenID Connect IdP",
    "Tokens",
    "Crontabs",
    "Intervales",
    "Tâches Périodique",
    "Tâches périodique",
    "Évènements solaire",
    "periodic task track",
    "object permission",
    "Task Name",
    "created at",
    "last used at",
    "last seen at",
    "expires at",
    "Can add",
    "Can change",
    "Can delete",
    "Can view",
]


def visible_text(page: str) -> str:
    page = re.sub(r"<script.*?</script>|<style.*?</style>|<svg.*?</svg>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def superuser_client(client):
    client.force_login(with_second_factor(UserFactory(is_staff=True, is_superuser=True)))
    return client


def test_home_and_every_list_of_the_back_office_read_in_french(superuser_client):
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    found = {}
    for url in urls:
        text = visible_text(superuser_client.get(url).text)
        hits = [word for word in ENGLISH if word in text]
        if hits:
            found[url] = hits
    assert found == {}


def test_no_permission_is_named_in_english():
    english = Permission.objects.filter(name__startswith="Can ")
    assert list(english.values_list("name", flat=True)) == []
    assert Permission.objects.get(codename="add_emailaddress").name == (
        "Peut ajouter adresse électronique"
    )
    assert Permission.objects.get(codename="change_client").name == (
        "Peut modifier client OpenID Connect"
    )


def test_the_group_page_lists_permissions_in_french(superuser_client):
    group = Group.objects.get(name="Agent OPCO")
    page = visible_text(
        superuser_client.get(reverse("admin:auth_group_change", args=[group.pk])).text
    )
    assert "Peut voir utilisateur" in page
    assert "Can " not in page


def test_the_french_names_need_no_migration():
    """Display names are set outside what migrations read: nothing to migrate."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
