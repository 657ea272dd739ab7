"""The OpenAPI document of the platforms' API (``/api/v1/openapi.json``).

Written by hand: one endpoint, and its per-item semantics deserve prose.
The request body's items are deliberately not constrained by the schema: a
malformed item is reported in its own result (400) while the good ones are
kept, so it is not a schema violation of the whole request.
"""

from . import app_settings

ITEM_CODES = ["recorded", "malformed", "unknown_sub", "inactive_account", "future_instant"]


def document(request) -> dict:
    """Return the OpenAPI 3.0 document as a dict."""
    limit = app_settings.activity_max_items()
    error = {"$ref": "#/components/schemas/Error"}
    batch = {"$ref": "#/components/schemas/BatchResult"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Centre de comptes OPCO Mobilités — API des plateformes",
            "version": "1.0.0",
            "description": (
                "API appelée par les plateformes centralisées. Authentification : jeton "
                "d'accès obtenu par la plateforme avec le grant `client_credentials` sur "
                "`/identity/o/api/token` (voir docs/sso.md)."
            ),
        },
        "paths": {
            "/api/v1/activity": {
                "post": {
                    "operationId": "reportActivity",
                    "summary": "Signaler l'activité d'utilisateurs sur la plateforme",
                    "description": (
                        f'Lot d\'au plus {limit} éléments `{{"sub", "at"}}`. Chaque élément '
                        "reçoit son propre résultat : 200 `recorded`, 400 `malformed`, 404 "
                        "`unknown_sub` (compte inconnu ou sans rôle sur la plateforme), 409 "
                        "`inactive_account`, 422 `future_instant`. Les éléments valides sont "
                        "enregistrés même si d'autres sont refusés. Idempotent : rejouer un lot "
                        "ne change rien de plus (la dernière activité ne fait qu'avancer)."
                    ),
                    "security": [{"platformToken": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "maxItems": limit,
                                    "items": {
                                        "description": (
                                            "Attendu : un ActivityItem. Un élément mal formé "
                                            "est refusé seul (400)."
                                        ),
                                    },
                                },
                                "example": [
                                    {"sub": "42", "at": "2026-11-26T09:30:00+01:00"},
                                ],
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Tous les éléments ont été enregistrés.",
                            "content": {"application/json": {"schema": batch}},
                        },
                        "207": {
                            "description": "Au moins un élément a été refusé ; voir `results`.",
                            "content": {"application/json": {"schema": batch}},
                        },
                        "400": {
                            "description": "Le corps n'est pas un tableau JSON.",
                            "content": {"application/json": {"schema": error}},
                        },
                        "401": {
                            "description": "Jeton absent, invalide ou expiré.",
                            "content": {"application/json": {"schema": error}},
                        },
                        "413": {
                            "description": "Corps de requête trop volumineux.",
                            "content": {"application/json": {"schema": error}},
                        },
                        "422": {
                            "description": f"Plus de {limit} éléments.",
                            "content": {"application/json": {"schema": error}},
                        },
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                "platformToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Jeton client_credentials de la plateforme (opaque).",
                }
            },
            "schemas": {
                "ActivityItem": {
                    "type": "object",
                    "required": ["sub", "at"],
                    "additionalProperties": False,
                    "properties": {
                        "sub": {
                            "type": "string",
                            "description": "Identifiant `sub` reçu dans l'ID token.",
                        },
                        "at": {
                            "type": "string",
                            "format": "date-time",
                            "description": "Instant de l'activité (ISO-8601 avec fuseau).",
                        },
                    },
                },
                "ItemResult": {
                    "type": "object",
                    "required": ["index", "status", "code", "message"],
                    "properties": {
                        "index": {"type": "integer", "minimum": 0},
                        "status": {"type": "integer", "enum": [200, 400, 404, 409, 422]},
                        "code": {"type": "string", "enum": ITEM_CODES},
                        "sub": {"type": "string"},
                        "message": {"type": "string"},
                    },
                },
                "BatchResult": {
                    "type": "object",
                    "required": ["recorded", "rejected", "results"],
                    "properties": {
                        "recorded": {"type": "integer", "minimum": 0},
                        "rejected": {"type": "integer", "minimum": 0},
                        "results": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/ItemResult"},
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                    },
                },
            },
        },
    }
