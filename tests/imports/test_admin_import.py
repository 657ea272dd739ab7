"""Back-office import: the preview shows the command's French errors; big files go to Celery."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from accounts.models import Organisation, User
from imports.models import ImportJob
from legal.services import cgu_accept
from tests.accounts.factories import UserFactory

from .conftest import SAMPLE_FILES
from .test_import_command import BAD_ACCESSES, BAD_MEMBERSHIPS, BAD_ORGS, BAD_USERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(client, cgu_v2):
    user = UserFactory(is_staff=True, is_superuser=True)
    cgu_accept(
        user=user,
        version=cgu_v2,
        now=timezone.now(),
        ip_address=None,
        user_agent="",
        context="signup",
    )
    client.force_login(user)
    return user


def uploads(named: dict[str, bytes]):
    return [
        SimpleUploadedFile(name, content, content_type="text/csv")
        for name, content in named.items()
    ]


def test_the_preview_shows_the_same_errors_as_the_command_and_writes_nothing(
    client, agent, cgu_v2
):
    files = uploads(
        {
            "orgs.csv": BAD_ORGS.encode(),
            "users.csv": BAD_USERS.encode(),
            "members.csv": BAD_MEMBERSHIPS.encode(),
            "access.csv": BAD_ACCESSES.encode(),
        }
    )

    response = client.post("/admin/imports/importjob/televerser/", {"files": files})

    page = response.content.decode()
    assert response.status_code == 200
    assert "10 lignes en erreur" in page
    for message in (
        "orgs.csv, ligne 3, colonne siret : Ce numéro SIRET n&#x27;est pas valide (clé de contrôle incorrecte).",
        "users.csv, ligne 3, colonne email : Adresse e-mail en double",
        "access.csv, ligne 3, colonne role : La plateforme M-Gestion OF ne propose pas le rôle Cabinet comptable.",
        "access.csv, ligne 2, colonne plateforme : Plateforme inconnue « mgestion-inconnue »",
    ):
        assert message in page
    assert "Confirmer l&#x27;import" not in page
    assert not Organisation.objects.exists() and not User.objects.exclude(pk=agent.pk).exists()


def test_a_clean_preview_is_confirmed_then_imported(client, agent, samples):
    files = uploads({name: samples[name].read_bytes() for name in SAMPLE_FILES})

    preview = client.post("/admin/imports/importjob/televerser/", {"files": files})
    assert "Aucune erreur" in preview.content.decode()
    assert not Organisation.objects.exists()
    job = ImportJob.objects.get()

    response = client.post(f"/admin/imports/importjob/{job.pk}/confirmer/", follow=True)

    assert Organisation.objects.count() == 3
    assert User.objects.filter(imported__isnull=False).count() == 3
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert "Utilisateurs : 3 créé(s)" in response.content.decode()


@override_settings(IMPORTS_ADMIN_MAX_ROWS=5)
def test_a_large_upload_runs_as_a_celery_job_whose_progress_and_report_are_listed(
    client, agent, samples, django_capture_on_commit_callbacks
):
    files = uploads({name: samples[name].read_bytes() for name in SAMPLE_FILES})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/imports/importjob/televerser/", {"files": files}, follow=True
        )

    assert "tâche de fond" in response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE
    assert job.progress == 100
    assert Organisation.objects.count() == 3
    listing = client.get("/admin/imports/importjob/").content.decode()
    assert "100 %" in listing
    assert "Habilitations : 4 créé(s)" in listing


def test_an_agent_without_the_permission_cannot_import(client, cgu_v2):
    user = UserFactory(is_staff=True)
    cgu_accept(
        user=user,
        version=cgu_v2,
        now=timezone.now(),
        ip_address=None,
        user_agent="",
        context="signup",
    )
    client.force_login(user)

    response = client.post(
        "/admin/imports/importjob/televerser/", {"files": uploads({"a.csv": b"x"})}
    )

    assert response.status_code == 403
