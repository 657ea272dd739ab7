"""Imported accounts on day one: the sweep warns first, the first-connection email, first sign-in."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from accounts.models import AccountState, User
from imports import services
from imports.models import ImportedAccount
from imports.tasks import first_connection_batch
from lifecycle.sweep import lifecycle_sweep

from .conftest import NOW, SAMPLE_FILES

pytestmark = pytest.mark.django_db


def import_samples(samples):
    report = services.accounts_import(paths=[samples[n] for n in SAMPLE_FILES], now=NOW)
    assert report.committed, report.errors


def test_an_account_inactive_for_years_is_warned_first_and_keeps_its_15_days(samples):
    """DOMAIN "Existing accounts": never a deactivation straight away."""
    import_samples(samples)
    claire = User.objects.get(email="claire.martin@cabinet-martin.fr")  # inactive since 01/2024
    marie = User.objects.get(email="marie.dupont@transports-dupont.fr")  # active 06/2025

    with time_machine.travel(NOW):
        summary = lifecycle_sweep(now=NOW)
    later = lifecycle_sweep(now=NOW + timedelta(days=10))

    assert claire.pk in summary.warned and marie.pk not in summary.warned
    assert claire.pk not in later.deactivated
    claire.refresh_from_db()
    assert claire.state == AccountState.WARNED
    # Paul never signed in: he counts from his creation (2020), so he is warned too.
    assert User.objects.get(email="paul.leroy@transports-dupont.fr").pk in summary.warned


@override_settings(IMPORTS_FIRST_CONNECTION_ENABLED=True, IMPORTS_FIRST_CONNECTION_BATCH=2)
def test_first_connection_emails_go_out_in_batches_of_the_configured_size_once_each(
    samples, django_capture_on_commit_callbacks
):
    import_samples(samples)

    with django_capture_on_commit_callbacks(execute=True):
        first = first_connection_batch()
    with django_capture_on_commit_callbacks(execute=True):
        second = first_connection_batch()
    with django_capture_on_commit_callbacks(execute=True):
        third = first_connection_batch()

    assert (first, second, third) == (2, 1, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        User.objects.values_list("email", flat=True)
    )
    assert not ImportedAccount.objects.filter(first_connection_sent_at__isnull=True).exists()


def test_no_first_connection_email_until_switched_on(samples):
    import_samples(samples)

    assert first_connection_batch() == 0
    assert not mail.outbox


@override_settings(IMPORTS_FIRST_CONNECTION_ENABLED=True)
def test_the_link_lets_the_person_choose_a_password_then_the_cgu_in_force_is_asked(
    samples, client, django_capture_on_commit_callbacks, password
):
    import_samples(samples)
    with django_capture_on_commit_callbacks(execute=True):
        first_connection_batch()
    message = next(m for m in mail.outbox if m.to == ["paul.leroy@transports-dupont.fr"])
    assert "choisissez votre mot de passe" in message.subject
    url = re.search(r"https?://\S+", message.body).group(0)
    path = url.split("://", 1)[1].split("/", 1)[1]

    response = client.get("/" + path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else "/" + path
    # The usual password rules apply: a short one is refused.
    refused = client.post(form_url, {"password1": "court", "password2": "court"})
    assert refused.status_code == 200
    assert not User.objects.get(email="paul.leroy@transports-dupont.fr").has_usable_password()
    client.post(form_url, {"password1": password, "password2": password})
    assert User.objects.get(email="paul.leroy@transports-dupont.fr").has_usable_password()

    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "paul.leroy@transports-dupont.fr", "password": password}
    )
    assert response.status_code == 302
    # Paul accepted no version: the CGU in force is asked before anything else.
    home = client.get("/", follow=True)
    assert "conditions" in home.content.decode().lower()
    assert home.redirect_chain, "the CGU gate must stop an imported account"
