"""The Django admin: sign-in through allauth, permissions, every change journaled."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.http import urlencode

from tests.accounts.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_admin_sign_in_page_sends_to_the_protected_sign_in(client):
    response = client.get(reverse("admin:login") + "?" + urlencode({"next": "/admin/"}))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"


def test_admin_sign_in_refuses_a_foreign_next(client):
    response = client.get(reverse("admin:login") + "?next=https://evil.example/")
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"


def test_admin_sign_in_form_cannot_be_posted_to(client, staff_with_mfa, password):
    response = client.post(
        reverse("admin:login"), {"username": staff_with_mfa.email, "password": password}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302


def test_anonymous_back_office_visit_goes_to_the_protected_sign_in(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_signed_in_non_staff_user_is_refused_the_back_office(client, member):
    client.force_login(member)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


def test_staff_without_the_permission_is_refused_the_object(client, staff_with_mfa):
    organisation = OrganisationFactory()
    client.force_login(staff_with_mfa)
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    assert client.get(url).status_code == 403


def test_admin_change_is_journaled_and_visible(client, staff_with_mfa):
    organisation = OrganisationFactory(legal_name="Avant")
    staff_with_mfa.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["change_organisation", "view_organisation", "view_logentry"]
        )
    )
    client.force_login(staff_with_mfa)
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    response = client.post(
        url,
        {
            "kind": organisation.kind,
            "legal_name": "Après",
            "siren": organisation.siren,
            "siret": organisation.siret,
            "address": "",
            "created_at_0": "2027-01-01",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content
    entry = LogEntry.objects.get(object_id=str(organisation.pk))
    assert entry.user == staff_with_mfa
    assert entry.is_change()
    history = client.get(reverse("admin:accounts_organisation_history", args=[organisation.pk]))
    assert staff_with_mfa.email in history.text or staff_with_mfa.get_full_name() in history.text
    journal = client.get(reverse("admin:admin_logentry_changelist"))
    assert journal.status_code == 200
    assert "Après" in journal.text


def test_journal_cannot_be_edited_even_by_a_superuser(client, staff_with_mfa):
    staff_with_mfa.is_superuser = True
    staff_with_mfa.save(update_fields=["is_superuser"])
    client.force_login(staff_with_mfa)
    assert client.get(reverse("admin:admin_logentry_add")).status_code == 403


def test_admin_password_change_goes_through_allauth(client, staff_with_mfa):
    client.force_login(staff_with_mfa)
    response = client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")
