"""HTTP endpoints of the transmitter (thin: authenticate, parse, one service).

Every endpoint but the metadata requires an OAuth bearer token issued to the
platform's OIDC client by the client credentials grant (SSF 1.0
"Authorization scheme", ``urn:ietf:rfc:6749``); the token names the platform,
hence its one stream. A missing or bad token: 401 with
``WWW-Authenticate: Bearer`` (RFC 6750 §3). Errors are JSON ``{"err",
"description"}`` (the RFC 8935 §2.3 shape), descriptions in French.
"""

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from platforms import app_settings as platform_settings

from . import events, selectors, services
from .models import Stream


def _url(name: str) -> str:
    return platform_settings.issuer() + reverse(name)


def _error(status: int, code: str, description: str, **headers) -> JsonResponse:
    response = JsonResponse({"err": code, "description": description}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    response["Cache-Control"] = "no-store"
    return response


def _unauthorised() -> JsonResponse:
    return _error(
        401,
        "authentication_failed",
        _("Jeton d'accès (client credentials de la plateforme) manquant ou invalide."),
        WWW_Authenticate='Bearer error="invalid_token"',
    )


def _not_found() -> JsonResponse:
    return _error(404, "not_found", _("Aucun flux de ce nom pour cette plateforme."))


def _json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, safe=False)
    response["Cache-Control"] = "no-store"
    return response


def _stream_of(platform, stream_id: str | None) -> Stream | None:
    stream = Stream.objects.filter(platform=platform).select_related("platform").first()
    if stream is None or (stream_id is not None and stream_id != stream.stream_id):
        return None
    return stream


@require_GET
def configuration(request):
    """``/.well-known/ssf-configuration``: Transmitter Configuration Metadata (SSF 1.0)."""
    issuer = platform_settings.issuer()
    return JsonResponse(
        {
            "spec_version": "1_0",
            "issuer": issuer,
            "jwks_uri": issuer + reverse("idp:oidc:jwks"),
            "delivery_methods_supported": [events.PUSH, events.POLL],
            "configuration_endpoint": _url("ssf:stream"),
            "status_endpoint": _url("ssf:status"),
            "verification_endpoint": _url("ssf:verify"),
            "authorization_schemes": [{"spec_urn": "urn:ietf:rfc:6749"}],
            "default_subjects": "ALL",
        }
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
def stream(request):
    """The Configuration Endpoint: create (POST), read (GET), update (PATCH/PUT), DELETE."""
    platform = selectors.platform_for_bearer(request.headers.get("Authorization", ""))
    if platform is None:
        return _unauthorised()
    now = timezone.now()
    poll_url = _url("ssf:poll")
    try:
        if request.method == "POST":
            created = services.stream_create(
                platform=platform,
                config=services.json_body(request.body),
                poll_url=poll_url,
                now=now,
            )
            return _json(services.stream_config(created), status=201)
        stream_id = request.GET.get("stream_id")
        if request.method in ("PUT", "PATCH"):
            body = services.json_body(request.body)
            stream_id = body.get("stream_id") if isinstance(body, dict) else None
            if not stream_id:
                raise services.StreamError(_("« stream_id » est obligatoire."))
        found = _stream_of(platform, stream_id)
        if found is None:
            if request.method == "GET" and stream_id is None:
                return _json([])
            return _not_found()
        if request.method == "GET":
            config = services.stream_config(found)
            return _json(config if stream_id else [config])
        if request.method == "DELETE":
            services.stream_delete(stream=found)
            return HttpResponse(status=204)
        updated = services.stream_update(
            stream=found,
            config=body,
            poll_url=poll_url,
            now=now,
            replace=request.method == "PUT",
        )
        return _json(services.stream_config(updated))
    except services.StreamError as exc:
        return _error(exc.status, exc.code, exc.message)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def status(request):
    """The Status Endpoint: read (GET ?stream_id=) and update (POST)."""
    platform = selectors.platform_for_bearer(request.headers.get("Authorization", ""))
    if platform is None:
        return _unauthorised()
    try:
        if request.method == "GET":
            found = _stream_of(platform, request.GET.get("stream_id") or "")
            if found is None:
                return _not_found()
        else:
            body = services.json_body(request.body)
            if not isinstance(body, dict):
                raise services.StreamError(_("Le corps doit être un objet JSON."))
            found = _stream_of(platform, body.get("stream_id") or "")
            if found is None:
                return _not_found()
            found = services.stream_status_set(
                stream=found,
                status=body.get("status"),
                reason=body.get("reason", ""),
                now=timezone.now(),
            )
    except services.StreamError as exc:
        return _error(exc.status, exc.code, exc.message)
    data = {"stream_id": found.stream_id, "status": found.status}
    if found.status_reason:
        data["reason"] = found.status_reason
    return _json(data)


@csrf_exempt
@require_POST
def verify(request):
    """The Verification Endpoint: 204, then a verification event on the stream."""
    platform = selectors.platform_for_bearer(request.headers.get("Authorization", ""))
    if platform is None:
        return _unauthorised()
    try:
        body = services.json_body(request.body)
        if not isinstance(body, dict):
            raise services.StreamError(_("Le corps doit être un objet JSON."))
        found = _stream_of(platform, body.get("stream_id") or "")
        if found is None:
            return _not_found()
        services.stream_verify(stream=found, state=body.get("state"), now=timezone.now())
    except services.StreamError as exc:
        return _error(exc.status, exc.code, exc.message)
    return HttpResponse(status=204)


@csrf_exempt
@never_cache
@require_POST
def poll(request):
    """Poll delivery (RFC 8936 §2): acknowledge, report errors, receive SETs."""
    platform = selectors.platform_for_bearer(request.headers.get("Authorization", ""))
    if platform is None:
        return _unauthorised()
    found = _stream_of(platform, None)
    if found is None or found.delivery_method != events.POLL:
        return _error(
            400, "invalid_request", _("Le flux de cette plateforme n'est pas en mode poll.")
        )
    try:
        answer = services.poll_respond(
            stream=found, body=services.json_body(request.body), now=timezone.now()
        )
    except services.StreamError as exc:
        return _error(exc.status, exc.code, exc.message)
    return _json(answer)
