"""The pysaml2 ``Server`` of the identity provider, built from the registered providers.

One ``Server`` per process, rebuilt when a service provider is added, changed or
removed (a cheap stamp query: count and latest change). Responses and assertions
are signed with RSA-SHA256 / SHA-256; the metadata is signed too.
"""

from pathlib import Path
from threading import Lock

from django.db.models import Count, Max
from django.urls import reverse
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from .. import app_settings as platform_settings
from . import app_settings, keys
from .models import ServiceProvider

ATTRIBUTE_MAPS = str(Path(__file__).parent / "attributemaps")
_lock = Lock()
_cache: dict = {}


def base_url() -> str:
    """The issuer's origin: every SAML URL is built from the configured issuer."""
    return platform_settings.issuer()


def url(name: str) -> str:
    return base_url() + reverse(name)


def entity_id() -> str:
    return url("saml:metadata")


def _config_dict(providers: list[ServiceProvider]) -> dict:
    key_file, cert_file = keys.key_files()
    sso, slo = url("saml:sso"), url("saml:slo")
    return {
        "entityid": entity_id(),
        "name": "M-Habilitations",
        "description": "Centre de comptes OPCO Mobilités",
        "xmlsec_binary": app_settings.xmlsec_binary(),
        "key_file": key_file,
        "cert_file": cert_file,
        "encryption_keypairs": [{"key_file": key_file, "cert_file": cert_file}],
        "attribute_map_dir": ATTRIBUTE_MAPS,
        "allow_unknown_attributes": True,
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "accepted_time_diff": app_settings.clock_skew_seconds(),
        "service": {
            "idp": {
                "name": "M-Habilitations",
                "endpoints": {
                    "single_sign_on_service": [
                        (sso, BINDING_HTTP_REDIRECT),
                        (sso, BINDING_HTTP_POST),
                    ],
                    "single_logout_service": [
                        (slo, BINDING_HTTP_REDIRECT),
                        (slo, BINDING_HTTP_POST),
                    ],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_EMAILADDRESS],
                "want_authn_requests_signed": False,
                "sign_response": True,
                "sign_assertion": True,
                "policy": {
                    "default": {
                        "lifetime": {"minutes": app_settings.assertion_lifetime_minutes()},
                        "attribute_restrictions": None,
                        "name_form": NAME_FORMAT_URI,
                        "sign": ["response", "assertion"],
                    }
                },
            }
        },
        "metadata": {"inline": [provider.metadata_xml for provider in providers]},
    }


def _stamp() -> tuple:
    found = ServiceProvider.objects.filter(is_active=True).aggregate(
        n=Count("pk"), latest=Max("updated_at")
    )
    return (found["n"], found["latest"], base_url(), keys.certificate_pem())


def server() -> Server:
    """The identity provider, knowing every active service provider."""
    stamp = _stamp()
    with _lock:
        cached = _cache.get("server")
        if cached is not None and cached[0] == stamp:
            return cached[1]
        providers = list(ServiceProvider.objects.filter(is_active=True))
        config = IdPConfig()
        config.load(_config_dict(providers))
        instance = Server(config=config)
        _cache["server"] = (stamp, instance)
        return instance


def metadata_xml() -> str:
    """The IdP's metadata, signed with its key."""
    config = IdPConfig()
    config.load(_config_dict([]))
    xml = create_metadata_string(
        None, config=config, sign=True, valid=None, cert=None, keyfile=None
    )
    return xml.decode() if isinstance(xml, bytes) else xml
