"""Attribute names released by the account centre, in the URI name format.

Standard names use their OIDs (as pysaml2's ``saml_uri`` map and Shibboleth do);
the habilitations use the account centre's own URNs, one multi-valued attribute
per facet. ``role`` values read ``<SIRET>:<role code>``.
"""

HABILITATIONS = "urn:opco-mobilites:habilitations:"

MAP = {
    "identifier": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
    "fro": {
        "urn:oid:0.9.2342.19200300.100.1.3": "mail",
        "urn:oid:2.5.4.42": "givenName",
        "urn:oid:2.5.4.4": "sn",
        HABILITATIONS + "siren": "siren",
        HABILITATIONS + "siret": "siret",
        HABILITATIONS + "organisation": "organisation",
        HABILITATIONS + "kind": "organisationKind",
        HABILITATIONS + "role": "role",
    },
    "to": {
        "mail": "urn:oid:0.9.2342.19200300.100.1.3",
        "givenname": "urn:oid:2.5.4.42",
        "sn": "urn:oid:2.5.4.4",
        "siren": HABILITATIONS + "siren",
        "siret": HABILITATIONS + "siret",
        "organisation": HABILITATIONS + "organisation",
        "organisationkind": HABILITATIONS + "kind",
        "role": HABILITATIONS + "role",
    },
}
