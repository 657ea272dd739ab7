"""The home page's "Mes services en ligne" (CGU art. 4.1): every platform reachable.

Centralised platforms the person may enter open by single sign-on (OIDC
third-party-initiated login, OIDC Core 1.0 §4; SAML IdP-initiated), the
platforms with their own accounts are plain links to their sign-up, and a
person who may enter none is told whom to ask.
"""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import JoinRequest, Membership
from platforms.models import Platform
from platforms.online_services import online_services
from platforms.saml.models import ServiceProvider
from platforms.sso_services import platform_client_register
from tests.accounts.factories import MembershipFactory, OrganisationFactory, UserFactory

from .factories import deactivate, grant, register_client, verified_user

pytestmark = pytest.mark.django_db
INITIATE = "https://rp.example.test/oidc/initiate/?tenant=opco"


class Links(HTMLParser):
    """The home page's "Mes services en ligne" section: its links and form actions."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.links: dict[str, str] = {}  # text -> href
        self.actions: list[str] = []
        self._href = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "online-services" in (attrs.get("class") or ""):
            self.depth = 1
        elif self.depth and tag == "section":
            self.depth += 1
        if not self.depth:
            return
        if tag == "a":
            self._href, self._text = attrs.get("href"), ""
        if tag == "form":
            self.actions.append(attrs.get("action"))

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links[" ".join(self._text.split())] = self._href
            self._href = None
        if tag == "section" and self.depth:
            self.depth -= 1


def services_of(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    parser = Links()
    parser.feed(html)
    start = html.index('class="online-services"')
    return parser, html[start : html.index("</section>", start)]


@pytest.fixture
def oidc_platform(settings):
    settings.IDP_OIDC_ISSUER = "https://comptes.example.test"
    platform = Platform.objects.get(code="mgestion-entreprise")
    register_client(platform)
    Platform.objects.filter(pk=platform.pk).update(
        initiate_login_uri=INITIATE, url="https://rp.example.test/accueil/"
    )
    platform.refresh_from_db()
    return platform


def test_an_oidc_platform_opens_by_third_party_initiated_login_with_our_issuer(
    client, oidc_platform
):
    person = verified_user()
    grant(user=person, platform=oidc_platform, role_code="gestionnaire")
    parser, _section = services_of(client, person)
    href = parser.links["Ouvrir M-Gestion Entreprise"]
    parts = urlsplit(href)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://rp.example.test/oidc/initiate/"
    )
    query = parse_qs(parts.query)
    assert query["iss"] == ["https://comptes.example.test"]
    assert query["target_link_uri"] == ["https://rp.example.test/accueil/"]
    assert query["tenant"] == ["opco"]  # the platform's own parameter is kept


def test_only_the_platforms_the_person_may_enter_are_listed(client, oidc_platform):
    other = Platform.objects.get(code="mcontributions")
    register_client(other)
    Platform.objects.filter(pk=other.pk).update(initiate_login_uri=INITIATE)
    grant(user=verified_user(), platform=other, role_code="adherent")  # someone else's role
    person = verified_user()
    grant(user=person, platform=oidc_platform, role_code="gestionnaire")
    parser, _section = services_of(client, person)
    opened = [text for text in parser.links if text.startswith("Ouvrir")]
    assert opened == ["Ouvrir M-Gestion Entreprise"]


def test_an_inactive_account_is_offered_no_platform(oidc_platform):
    person = verified_user()
    grant(user=person, platform=oidc_platform, role_code="gestionnaire")
    deactivate(person)
    assert online_services(user=person).entered == []


def test_a_saml_platform_keeps_its_idp_initiated_button_in_the_same_list(client, oidc_platform):
    campus = Platform.objects.get(code="mcampus-entreprise")
    ServiceProvider.objects.create(
        platform=campus, entity_id="https://campus.example.test/sp", metadata_xml="<x/>"
    )
    person = verified_user()
    grant(user=person, platform=oidc_platform, role_code="gestionnaire")
    grant(user=person, platform=campus, role_code="adherent")
    parser, section = services_of(client, person)
    assert parser.actions == [f"/saml/connexion/{campus.code}/"]
    assert "Ouvrir M-Campus Entreprise" in section
    assert "Ouvrir M-Gestion Entreprise" in parser.links
    assert section.count('<ul class="services">') == 2  # entered platforms, own accounts


def test_the_platforms_with_their_own_accounts_are_plain_links_to_their_sign_up(client):
    person = verified_user()  # no access at all: the links are there all the same
    parser, _section = services_of(client, person)
    assert parser.links["M-Tutorat : s'inscrire ou se connecter"] == (
        "https://m-tutorat.fr/inscription.php"
    )
    assert parser.links["M-Transition Energétique : s'inscrire ou se connecter"] == (
        "https://mtransition-energetique.opcomobilites.fr/signup?next=%2F"
    )


def test_a_member_without_access_sees_his_organisations_administrators(client):
    organisation = OrganisationFactory(legal_name="Transports Durand")
    admin = UserFactory(first_name="Aline", last_name="Martin", email="aline@durand.fr")
    MembershipFactory(user=admin, organisation=organisation, is_administrator=True)
    person = verified_user()
    MembershipFactory(user=person, organisation=organisation)
    parser, section = services_of(client, person)
    assert "Votre compte n'ouvre encore aucune plateforme" in section
    assert "Aline Martin" in section
    assert parser.links["aline@durand.fr"] == "mailto:aline@durand.fr"
    assert "Transports Durand" in section


def test_a_person_without_organisation_is_told_how_to_join_one(client):
    person = verified_user(email="paul@exemple.fr")
    _parser, section = services_of(client, person)
    assert "Vous n'êtes rattaché(e) à aucune organisation" in section
    assert "de vous inviter à l'adresse paul@exemple.fr" in section


def test_a_pending_join_request_is_said_to_come_first(client):
    organisation = OrganisationFactory()
    MembershipFactory(user=UserFactory(), organisation=organisation, is_administrator=True)
    person = verified_user()
    JoinRequest.objects.create(user=person, organisation=organisation)
    assert not Membership.objects.filter(user=person).exists()
    _parser, section = services_of(client, person)
    assert "Votre demande de rattachement est en attente" in section


def test_initiate_login_uri_must_be_https_outside_development(settings, db):
    settings.PLATFORMS_INITIATE_LOGIN_HTTP_ALLOWED = False
    platform = Platform.objects.get(code="mgestion-entreprise")
    platform.initiate_login_uri = "http://rp.example.test/oidc/initiate/"
    with pytest.raises(ValidationError) as refused:
        platform.full_clean()
    assert refused.value.message_dict["initiate_login_uri"] == [
        "L'adresse de connexion initiée par un tiers doit commencer par https://."
    ]
    with pytest.raises(ValidationError):
        platform_client_register(
            platform=platform,
            redirect_uris=["https://rp.example.test/oidc/callback/"],
            initiate_login_uri="http://rp.example.test/oidc/initiate/",
            now=timezone.now(),
        )
    platform.initiate_login_uri = "https://rp.example.test/oidc/initiate/"
    platform.full_clean()
    settings.PLATFORMS_INITIATE_LOGIN_HTTP_ALLOWED = True  # development, tests
    platform.initiate_login_uri = "http://127.0.0.1:8001/oidc/initiate/"
    platform.full_clean()


def test_a_platform_with_its_own_accounts_takes_no_initiate_login_uri(db):
    platform = Platform.objects.get(code="mtutorat")
    platform.initiate_login_uri = "https://m-tutorat.fr/initiate"
    with pytest.raises(ValidationError) as refused:
        platform.full_clean()
    assert "non centralisée" in refused.value.message_dict["initiate_login_uri"][0]


def test_the_admin_edits_the_initiate_login_uri_and_explains_a_refusal(client, settings):
    settings.PLATFORMS_INITIATE_LOGIN_HTTP_ALLOWED = False
    admin_client = client
    admin_client.force_login(UserFactory(is_staff=True, is_superuser=True))
    platform = Platform.objects.get(code="mgestion-entreprise")
    url = reverse("admin:platforms_platform_change", args=[platform.pk])
    page = admin_client.get(url)
    assert 'name="initiate_login_uri"' in page.content.decode()
    form = page.context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and key not in {"roles", "oidc_client"}
    }
    data["roles"] = [role.pk for role in platform.roles.all()]
    data["initiate_login_uri"] = "http://rp.example.test/oidc/initiate/"
    refused = admin_client.post(url, data)
    assert refused.status_code == 200
    assert "doit commencer par https://" in refused.content.decode()
    data["initiate_login_uri"] = "https://rp.example.test/oidc/initiate/"
    assert admin_client.post(url, data).status_code == 302
    platform.refresh_from_db()
    assert platform.initiate_login_uri == "https://rp.example.test/oidc/initiate/"


def test_the_list_costs_two_queries_whatever_the_number_of_platforms(
    django_assert_num_queries, oidc_platform
):
    person = verified_user()
    grant(user=person, platform=oidc_platform, role_code="gestionnaire")
    with django_assert_num_queries(2):  # platforms entered, platforms with own accounts
        assert len(online_services(user=person).entered) == 1
    for code, role in [("mcontributions", "adherent"), ("mcampus-entreprise", "adherent")]:
        grant(user=person, platform=Platform.objects.get(code=code), role_code=role)
    with django_assert_num_queries(2):
        assert len(online_services(user=person).entered) == 3
