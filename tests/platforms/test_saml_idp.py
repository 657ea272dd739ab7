"""The SAML 2.0 identity provider, driven by an independent SP library (pysaml2's SP).

Against pytest-django's live server: SP-initiated login over HTTP-Redirect and
HTTP-POST (SAML 2.0 Bindings §3.4, §3.5; Profiles §4.1), the response and the
assertion verified by the SP (Core §5 signatures, §2.5.1 conditions, §2.3.3
InResponseTo), attributes as configured, IdP-initiated login (Profiles §4.1.5),
single logout (Profiles §4.4), the gates shared with OIDC (access, CGU, active
account), replayed and expired AuthnRequests, and a tampered response.
"""

from datetime import timedelta
from unittest import mock

import pytest
import requests
import time_machine
from django.test import Client as DjangoClient
from django.urls import reverse
from django.utils import timezone
from saml2 import BINDING_HTTP_REDIRECT
from saml2.sigver import SignatureError

from platforms.models import Platform, SamlSession, SamlSubject
from platforms.saml import services as saml_services
from tests.legal.factories import publish

from .factories import deactivate, grant, seed_platforms, verified_user
from .saml_sp import form_action, make_sp, response_field, tamper

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def idp(live_server, settings, tmp_path):
    seed_platforms()
    settings.IDP_OIDC_ISSUER = live_server.url
    settings.SAML_IDP_KEY_DIR = tmp_path / "idp"
    return live_server.url


@pytest.fixture
def idp_metadata(idp):
    response = requests.get(f"{idp}/saml/metadata/", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/samlmetadata+xml"
    return response.text


@pytest.fixture
def platform(db):
    return Platform.objects.get(code="mcampus-entreprise")


def register(sp, platform, **options):
    return saml_services.saml_provider_register(
        platform=platform, metadata_xml=sp.metadata_xml, **options
    )


@pytest.fixture
def sp(tmp_path, idp_metadata, platform):
    sp = make_sp(tmp_path, idp_metadata=idp_metadata)
    register(sp, platform)
    return sp


@pytest.fixture
def person(platform):
    user = verified_user(first_name="Lucie", last_name="Martin")
    grant(user=user, platform=platform, role_code="adherent")
    return user


def browser_for(user) -> requests.Session:
    django_client = DjangoClient()
    django_client.force_login(user)
    browser = requests.Session()
    browser.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    return browser


def login_redirect(sp, browser):
    request_id, url = sp.redirect_login()
    page = browser.get(url, timeout=10)
    return request_id, page


def test_metadata_is_signed_and_names_both_bindings(idp_metadata):
    assert "<ds:Signature" in idp_metadata or "Signature" in idp_metadata
    assert "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" in idp_metadata
    assert "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" in idp_metadata
    assert "rsa-sha256" in idp_metadata


def test_sp_initiated_redirect_binding_gives_a_verified_assertion(sp, person, platform, idp):
    request_id, page = login_redirect(sp, browser_for(person))
    assert page.status_code == 200, page.text[:500]
    assert form_action(page.text) == "http://sp.example.test/sp/acs/"
    result = sp.accept(response_field(page.text), outstanding={request_id: "/apres"})
    # The SP library checked both signatures, the audience, the time window and
    # InResponseTo; what it extracted is what the platform gets.
    assert result.in_response_to == request_id
    assert result.ava["mail"] == [person.email]
    assert result.ava["givenName"] == ["Lucie"]
    assert result.ava["sn"] == ["Martin"]
    siret = person.memberships.get().organisation.siret
    assert result.ava["siret"] == [siret]
    assert result.ava["role"] == [f"{siret}:adherent"]
    assert result.assertion.conditions.audience_restriction[0].audience[0].text == sp.entity_id
    assert result.response.signature is not None and result.assertion.signature is not None
    name_id = result.name_id
    assert name_id.format == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    assert person.email not in name_id.text
    assert SamlSubject.objects.get(user=person, platform=platform).name_id == name_id.text


def test_sp_initiated_post_binding(sp, person):
    request_id, action, fields = sp.post_login()
    page = browser_for(person).post(action, data=fields, timeout=10)
    assert page.status_code == 200, page.text[:500]
    result = sp.accept(response_field(page.text), outstanding={request_id: "/apres"})
    assert result.ava["mail"] == [person.email]
    assert response_field(page.text, "RelayState") == "/apres"


def test_nameid_is_pairwise_per_platform_and_stable(tmp_path, idp_metadata, sp, person):
    other_platform = Platform.objects.get(code="mgepp")
    grant(user=person, platform=other_platform, role_code="consultant")
    other = make_sp(tmp_path, idp_metadata=idp_metadata, name="other")
    register(other, other_platform)
    browser = browser_for(person)
    first_id, first = login_redirect(sp, browser)
    again_id, again = login_redirect(sp, browser)
    elsewhere_id, elsewhere = login_redirect(other, browser)
    first_name = sp.accept(response_field(first.text), outstanding={first_id: "/"}).name_id.text
    again_name = sp.accept(response_field(again.text), outstanding={again_id: "/"}).name_id.text
    other_name = other.accept(
        response_field(elsewhere.text), outstanding={elsewhere_id: "/"}
    ).name_id.text
    assert first_name == again_name
    assert other_name != first_name


def test_released_attributes_follow_the_provider_configuration(
    tmp_path, idp_metadata, person, platform
):
    sp = make_sp(tmp_path, idp_metadata=idp_metadata, name="minimal")
    register(sp, platform, released_attributes=["email"])
    request_id, page = login_redirect(sp, browser_for(person))
    result = sp.accept(response_field(page.text), outstanding={request_id: "/"})
    assert set(result.ava) == {"mail"}


def test_email_nameid_only_when_configured(tmp_path, idp_metadata, person, platform):
    sp = make_sp(tmp_path, idp_metadata=idp_metadata, name="mailnameid")
    register(sp, platform, name_id_format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    request_id, page = login_redirect(sp, browser_for(person))
    result = sp.accept(response_field(page.text), outstanding={request_id: "/"})
    assert result.name_id.text == person.email


def test_assertion_is_encrypted_when_the_sp_metadata_asks(
    tmp_path, idp_metadata, person, platform
):
    sp = make_sp(tmp_path, idp_metadata=idp_metadata, encrypt=True, name="crypt")
    register(sp, platform)
    request_id, page = login_redirect(sp, browser_for(person))
    import base64

    xml = base64.b64decode(response_field(page.text)).decode()
    assert "EncryptedAssertion" in xml and person.email not in xml
    result = sp.accept(response_field(page.text), outstanding={request_id: "/"})
    assert result.ava["mail"] == [person.email]


def test_a_tampered_response_is_rejected_by_the_sp(sp, person):
    request_id, page = login_redirect(sp, browser_for(person))
    forged = tamper(response_field(page.text), person.email, "pirate@example.test")
    with pytest.raises(SignatureError):
        sp.accept(forged, outstanding={request_id: "/"})


def test_a_replayed_authn_request_is_refused(sp, person):
    _request_id, url = sp.redirect_login()
    browser = browser_for(person)
    assert browser.get(url, timeout=10).status_code == 200
    replay = browser.get(url, timeout=10)
    assert replay.status_code == 400
    assert "déjà été utilisée" in replay.text


def test_an_expired_authn_request_is_refused(sp, person):
    with time_machine.travel(timezone.now() - timedelta(minutes=10)):
        _request_id, url = sp.redirect_login()
    page = browser_for(person).get(url, timeout=10)
    assert page.status_code == 400
    assert "expiré" in page.text


def test_an_unknown_sp_is_refused(tmp_path, idp_metadata, person):
    stranger = make_sp(tmp_path, idp_metadata=idp_metadata, name="stranger")
    _request_id, page = login_redirect(stranger, browser_for(person))
    assert page.status_code == 400
    assert "pas enregistré" in page.text


def test_anonymous_visitor_signs_in_first_then_gets_the_assertion(sp, person, idp, password):
    person.set_password(password)
    person.save(update_fields=["password"])
    request_id, url = sp.redirect_login()
    browser = requests.Session()
    page = browser.get(url, timeout=10)
    assert "/accounts/login/" in page.url
    csrf = browser.cookies["csrftoken"]
    signed_in = browser.post(
        page.url,
        data={"login": person.email, "password": password, "csrfmiddlewaretoken": csrf},
        headers={"Referer": page.url},
        timeout=10,
    )
    assert signed_in.status_code == 200, signed_in.text[:300]
    result = sp.accept(response_field(signed_in.text), outstanding={request_id: "/apres"})
    assert result.ava["mail"] == [person.email]


def test_no_access_on_the_platform_is_refused_with_whom_to_ask(sp):
    stranger = verified_user()
    _request_id, page = login_redirect(sp, browser_for(stranger))
    assert page.status_code == 403
    assert "avez pas accès" in page.text
    assert "SAMLResponse" not in page.text


def test_cgu_gate_comes_before_any_assertion(sp, person, idp):
    publish(now=timezone.now())
    _request_id, url = sp.redirect_login()
    browser = browser_for(person)
    page = browser.get(url, timeout=10, allow_redirects=False)
    follow = browser.get(idp + page.headers["Location"], allow_redirects=False, timeout=10)
    assert follow.status_code == 302
    assert follow.headers["Location"].startswith(reverse("legal:cgu_gate"))
    assert "SAMLResponse" not in follow.text


def test_a_saml_sign_in_counts_as_activity(sp, person):
    person.refresh_from_db()
    before = person.last_activity_at
    login_redirect(sp, browser_for(person))
    person.refresh_from_db()
    assert person.last_activity_at is not None
    assert before is None or person.last_activity_at > before


def test_a_deactivated_account_gets_no_assertion_and_its_sessions_end(sp, person):
    browser = browser_for(person)
    login_redirect(sp, browser)
    assert SamlSession.objects.filter(user=person).count() == 1
    deactivate(person)
    assert not SamlSession.objects.filter(user=person).exists()
    _request_id, page = login_redirect(sp, browser_for(person))
    assert "SAMLResponse" not in page.text


def test_deactivation_sends_a_soap_logout_to_providers_that_publish_one(
    tmp_path, idp_metadata, person, platform
):
    sp = make_sp(tmp_path, idp_metadata=idp_metadata, soap_logout=True, name="soap")
    register(sp, platform)
    login_redirect(sp, browser_for(person))
    with mock.patch("platforms.saml.tasks.requests.post") as post:
        post.return_value.status_code = 200
        deactivate(person)
    assert post.call_count == 1
    assert post.call_args.args[0] == "http://sp.example.test/soap/slo/soap/"
    body = post.call_args.kwargs["data"]
    body = body.decode() if isinstance(body, bytes) else body
    assert "LogoutRequest" in body and "Signature" in body


def test_idp_initiated_login_from_the_persons_page(sp, person, platform):
    client = DjangoClient()
    client.force_login(person)
    confirm = client.get(f"/saml/connexion/{platform.code}/")
    assert confirm.status_code == 200
    page = client.post(f"/saml/connexion/{platform.code}/")
    assert page.status_code == 200
    result = sp.accept(response_field(page.content.decode()), outstanding={})
    assert result.ava["mail"] == [person.email]


def test_idp_initiated_login_refused_without_access(sp, platform):
    client = DjangoClient()
    client.force_login(verified_user())
    assert client.post(f"/saml/connexion/{platform.code}/").status_code == 403


def test_single_logout_ends_the_account_centre_session_and_the_others(sp, person, idp):
    browser = browser_for(person)
    request_id, page = login_redirect(sp, browser)
    name_id = sp.accept(response_field(page.text), outstanding={request_id: "/"}).name_id
    _req_id, logout_request = sp.client.create_logout_request(
        f"{idp}/saml/slo/", f"{idp}/saml/metadata/", name_id=name_id
    )
    info = sp.client.apply_binding(
        BINDING_HTTP_REDIRECT, str(logout_request), f"{idp}/saml/slo/", relay_state="bye"
    )
    with mock.patch("platforms.sessions.transaction.on_commit") as queued:
        answer = browser.get(dict(info["headers"])["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("http://sp.example.test/sp/slo/")
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(location).query)
    logout_response = sp.client.parse_logout_request_response(
        query["SAMLResponse"][0], BINDING_HTTP_REDIRECT
    )
    assert logout_response.status_ok()
    assert not SamlSession.objects.filter(user=person).exists()
    home = browser.get(f"{idp}/", allow_redirects=False, timeout=10)
    assert home.status_code == 302 and "/accounts/login/" in home.headers["Location"]
    del queued
