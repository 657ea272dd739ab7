"""Project-wide request guards that belong to no app.

- ``PermissionsPolicyMiddleware``: every response says which browser features
  the site never uses (camera, microphone, geolocation...), so an injected
  script or a framed page cannot ask for them. WebAuthn stays allowed for the
  site itself (``publickey-credentials-get/create=(self)``): staff second factor.
- ``RequestBodyLimitMiddleware``: a request whose declared ``Content-Length``
  exceeds the cap is answered 413 before anything reads or parses its body.
  Anonymous requests get a small cap (no form of ours needs more; no large
  multipart body is ever parsed for them); signed-in requests the proof-upload
  cap plus room for the form. A malformed ``Content-Length`` answers 400. The
  reverse proxy must cap bodies too (``docs/security.md``): this is the second
  line, for a proxy misconfigured or absent.
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

DEFAULT_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), hid=(), idle-detection=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), "
    "publickey-credentials-create=(self), publickey-credentials-get=(self), "
    "screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=(), "
    "interest-cohort=(), browsing-topics=()"
)


def permissions_policy() -> str:
    return getattr(settings, "SECURITY_PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", permissions_policy())
        return response


def anonymous_body_max_bytes() -> int:
    """Largest body an anonymous request may declare (default 256 KiB)."""
    return getattr(settings, "REQUEST_BODY_MAX_BYTES_ANONYMOUS", 256 * 1024)


def signed_in_body_max_bytes() -> int:
    """Largest body a signed-in request may declare (default 6 MiB: a 5 MiB proof
    and its form)."""
    return getattr(settings, "REQUEST_BODY_MAX_BYTES", 6 * 1024 * 1024)


def api_prefixes() -> list[str]:
    """Paths of the bearer-token API, capped at DATA_UPLOAD_MAX_MEMORY_SIZE."""
    return list(getattr(settings, "REQUEST_BODY_API_PREFIXES", ["/api/"]))


class RequestBodyLimitMiddleware:
    """Must run after AuthenticationMiddleware (it asks whether the user is signed
    in) and before anything that reads the body (CSRF reads it in process_view,
    which comes after every middleware's __call__)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return HttpResponseBadRequest("Content-Length invalide.")
        if length < 0:
            return HttpResponseBadRequest("Content-Length invalide.")
        cap = self.cap(request)
        if length > cap:
            body = render_to_string(
                "413.html", {"max_mb": f"{cap / (1024 * 1024):g}"}, request=request
            )
            response = HttpResponse(body, status=413)
            response["Connection"] = "close"
            return response
        return self.get_response(request)

    @staticmethod
    def cap(request) -> int:
        if any(request.path_info.startswith(prefix) for prefix in api_prefixes()):
            return settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return signed_in_body_max_bytes()
        return anonymous_body_max_bytes()
