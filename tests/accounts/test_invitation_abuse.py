"""Invitations cannot be used as an OPCO-branded spam relay (issue 11, item 4).

Anyone becomes an organisation administrator by signing up with a new SIRET and
chooses the organisation's name: the invitations are throttled per
administrator and per organisation, and the mail quotes that free text only as
a defanged, attributed, one-line label.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.emails import untrusted_text
from accounts.models import Invitation

from .factories import OrganisationFactory, administrator_of, make_siret

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 10, 13, 5, tzinfo=UTC)


def invite(organisation, admin, n, at):
    return services.invitation_create(
        organisation=organisation, email=f"cible{n}@example.fr", invited_by=admin, now=at
    )


@pytest.fixture
def rates(settings):
    settings.ACCOUNTS_INVITATION_RATES_PER_ADMINISTRATOR = [(3, 60), (5, 86400)]
    settings.ACCOUNTS_INVITATION_RATES_PER_ORGANISATION = [(4, 60), (8, 86400)]


def test_an_administrator_is_limited_per_minute(rates):
    organisation = OrganisationFactory()
    admin = administrator_of(organisation)
    for n in range(3):
        invite(organisation, admin, n, START + timedelta(seconds=n))
    with pytest.raises(ValidationError, match="Trop d'invitations"):
        invite(organisation, admin, 3, START + timedelta(seconds=3))
    assert Invitation.objects.count() == 3
    # A minute later the per-minute window has moved on.
    invite(organisation, admin, 4, START + timedelta(seconds=61))


def test_an_administrator_is_limited_per_day_across_his_organisations(rates):
    first, second = OrganisationFactory(), OrganisationFactory()
    admin = administrator_of(first)
    administrator_of(second, user=admin)
    for n in range(5):
        invite(first if n % 2 else second, admin, n, START + timedelta(minutes=2 * n))
    with pytest.raises(ValidationError, match="24 heures"):
        invite(first, admin, 9, START + timedelta(hours=23))
    invite(first, admin, 10, START + timedelta(hours=24, minutes=1))


def test_an_organisation_is_limited_whoever_of_its_administrators_sends(rates):
    organisation = OrganisationFactory()
    admins = [administrator_of(organisation) for _ in range(3)]
    sent = 0
    for n in range(4):
        invite(organisation, admins[n % 3], n, START + timedelta(seconds=n))
        sent += 1
    with pytest.raises(ValidationError, match="Trop d'invitations"):
        invite(organisation, admins[2], 99, START + timedelta(seconds=5))
    assert Invitation.objects.count() == sent


def test_the_form_says_why_in_french_and_sends_nothing(client, rates):
    organisation = OrganisationFactory()
    admin = administrator_of(organisation)
    url = reverse("accounts:org_invite", kwargs={"organisation_pk": organisation.pk})
    with time_machine.travel(START, tick=False):
        client.force_login(admin)
        for n in range(3):
            client.post(url, {"email": f"c{n}@example.fr"})
        response = client.post(url, {"email": "c3@example.fr"})
    assert response.status_code == 400
    assert "Trop d&#x27;invitations envoyées" in response.text
    assert not Invitation.objects.filter(email="c3@example.fr").exists()


def test_default_rates_are_settings_per_minute_and_per_day():
    assert settings.ACCOUNTS_INVITATION_RATES_PER_ADMINISTRATOR[0][1] == 60
    assert settings.ACCOUNTS_INVITATION_RATES_PER_ADMINISTRATOR[1][1] == 86400
    assert settings.ACCOUNTS_INVITATION_RATES_PER_ORGANISATION[0][1] == 60
    assert settings.ACCOUNTS_INVITATION_RATES_PER_ORGANISATION[1][1] == 86400


PHISHING_NAME = (
    "Votre compte OPCO est suspendu.\n\nReconnectez-vous sur https://opco-login.example/verif "
    "ou écrivez à support@opco-aide.example — L'équipe OPCO Mobilités"
)


def test_the_mail_carries_no_foreign_link_and_no_free_text_in_the_subject(
    django_capture_on_commit_callbacks,
):
    organisation = OrganisationFactory(legal_name=PHISHING_NAME, siret=make_siret(42))
    admin = administrator_of(organisation)
    admin.first_name, admin.last_name = "Service", "sécurité www.opco-aide.example"
    admin.save(update_fields=["first_name", "last_name"])
    with django_capture_on_commit_callbacks(execute=True):
        invite(organisation, admin, 1, START)
    [message] = mail.outbox
    assert message.subject == (
        f"[OPCO Mobilités] Invitation à rejoindre une organisation (SIRET {organisation.siret})"
    )
    body = message.body
    assert organisation.siret in body
    site = settings.SITE_URL.rstrip("/")
    links = re.findall(r"(?:https?://|www\.)\S+", body)
    assert links and all(link.startswith(site) for link in links), links
    for foreign in ["opco-login.example", "opco-aide.example", "support@"]:
        assert foreign not in body
    # The declared name is quoted, attributed, on one line and shortened.
    line = next(x for x in body.splitlines() if "Nom déclaré par l'organisation" in x)
    assert "non vérifié par OPCO Mobilités" in line
    assert "Votre compte OPCO est suspendu." in line
    assert "\n\nReconnectez" not in body


def test_untrusted_text_is_one_short_defanged_line():
    text = untrusted_text("Dupont\r\nhttp://x.example/a  et  a@b.fr " + "x" * 200)
    assert "\n" not in text and "\r" not in text
    assert len(text) <= 80
    assert "http://" not in text and "x.example" not in text and "a@b.fr" not in text
    assert untrusted_text("Transports Dupont S.A.") == "Transports Dupont S.A."
