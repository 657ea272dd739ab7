"""An independent SAML service provider for the tests: pysaml2's SP side (Saml2Client,
the library djangosaml2 wraps), with its own key, certificate and metadata.

It knows the account centre only from the IdP metadata it downloads, and checks
every response itself: signatures of the response and the assertion, conditions
(audience, NotBefore/NotOnOrAfter), InResponseTo against its outstanding requests.
"""

import base64
import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT

SP_BASE = "http://sp.example.test"
ATTRIBUTE_MAPS = str(Path(__file__).resolve().parents[2] / "platforms" / "saml" / "attributemaps")


def key_and_certificate(directory: Path, name: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


@dataclass
class ServiceProviderUnderTest:
    client: Saml2Client
    entity_id: str
    metadata_xml: str

    def redirect_login(self, *, relay_state: str = "/apres") -> tuple[str, str]:
        """(request id, URL on the IdP) of an SP-initiated AuthnRequest, HTTP-Redirect."""
        request_id, info = self.client.prepare_for_authenticate(
            relay_state=relay_state, binding=BINDING_HTTP_REDIRECT
        )
        return request_id, dict(info["headers"])["Location"]

    def post_login(self, *, relay_state: str = "/apres") -> tuple[str, str, dict]:
        """(request id, IdP URL, form fields) of an AuthnRequest over HTTP-POST."""
        request_id, info = self.client.prepare_for_authenticate(
            relay_state=relay_state, binding=BINDING_HTTP_POST
        )
        html = info["data"]
        action = re.search(r'action="([^"]+)"', html).group(1)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))
        return request_id, action, fields

    def accept(self, saml_response: str, *, outstanding: dict):
        """Parse and verify a Response posted to the ACS; raises on any defect."""
        return self.client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=outstanding
        )


def make_sp(
    tmp_path: Path,
    *,
    idp_metadata: str,
    encrypt: bool = False,
    soap_logout: bool = False,
    name: str = "sp",
) -> ServiceProviderUnderTest:
    key_file, cert_file = key_and_certificate(tmp_path, name)
    entity_id = f"{SP_BASE}/{name}/metadata/"
    slo = [
        (f"{SP_BASE}/{name}/slo/", BINDING_HTTP_REDIRECT),
    ]
    if soap_logout:
        slo.append((f"{SP_BASE}/{name}/slo/soap/", BINDING_SOAP))
    config = {
        "entityid": entity_id,
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "key_file": key_file,
        "cert_file": cert_file,
        "attribute_map_dir": ATTRIBUTE_MAPS,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "endpoints": {
                    "assertion_consumer_service": [(f"{SP_BASE}/{name}/acs/", BINDING_HTTP_POST)],
                    "single_logout_service": slo,
                },
                "name_id_format": NAMEID_FORMAT_PERSISTENT,
                "want_response_signed": True,
                "want_assertions_signed": True,
                "authn_requests_signed": False,
                "allow_unsolicited": True,
            }
        },
        "metadata": {"inline": [idp_metadata]},
    }
    if encrypt:
        config["encryption_keypairs"] = [{"key_file": key_file, "cert_file": cert_file}]
    sp_config = SPConfig()
    sp_config.load(config)
    metadata_xml = create_metadata_string(None, config=sp_config, sign=False)
    metadata_xml = metadata_xml.decode() if isinstance(metadata_xml, bytes) else metadata_xml
    if not encrypt:
        # pysaml2 publishes its key for both uses by default: keep it for signing only.
        metadata_xml = metadata_xml.replace('use="encryption"', 'use="signing"')
    return ServiceProviderUnderTest(Saml2Client(config=sp_config), entity_id, metadata_xml)


def response_field(html: str, name: str = "SAMLResponse") -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, html[:2000]
    return match.group(1)


def form_action(html: str) -> str:
    return re.search(r'<form id="saml-post" method="post" action="([^"]+)"', html).group(1)


def tamper(saml_response: str, old: str, new: str) -> str:
    xml = base64.b64decode(saml_response).decode()
    assert old in xml
    return base64.b64encode(xml.replace(old, new).encode()).decode()
