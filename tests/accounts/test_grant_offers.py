"""The grant drop-down of a member's page offers only roles the member does not hold yet."""

import pytest
from django.urls import reverse

from .factories import MembershipFactory, OrganisationFactory, administrator_of

pytestmark = pytest.mark.django_db


def test_grant_drop_down_leaves_out_roles_already_held(client):
    organisation = OrganisationFactory()
    client.force_login(administrator_of(organisation))
    member = MembershipFactory(organisation=organisation)
    grant = reverse(
        "accounts:org_access_grant",
        kwargs={"organisation_pk": organisation.pk, "user_pk": member.user.pk},
    )
    page = reverse(
        "accounts:org_member",
        kwargs={"organisation_pk": organisation.pk, "user_pk": member.user.pk},
    )
    assert 'value="mcontributions:adherent"' in client.get(page).text
    assert client.post(grant, {"offer": "mcontributions:adherent"}).status_code == 302
    text = client.get(page).text
    assert "M-Contributions" in text  # held, listed under "Habilitations"
    assert 'value="mcontributions:adherent"' not in text
    assert 'value="mgestion-entreprise:gestionnaire"' in text
