"""allauth's provider URLs (namespace ``idp:oidc``) with the platforms' gates.

The same paths and URL names as ``allauth.idp.urls``; only the views of
``authorization``, ``token`` and ``configuration`` are replaced by the wrappers of
``platforms.views`` (allauth has no per-user authorisation hook). Keeping the
names means ``reverse("idp:oidc:authorization")`` and ``resolve()`` (used by
the CGU gate to recognise an SSO sign-in) see the wrapped endpoint.
"""

from allauth.idp.oidc import urls as oidc_urls
from django.urls import URLPattern, URLResolver, include, path

from . import views

OVERRIDES = {
    "authorization": views.authorize,
    "token": views.token,
    "configuration": views.configuration,
}


def _with_overrides(patterns: list) -> list:
    result = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            result.append(
                URLResolver(
                    entry.pattern,
                    _with_overrides(entry.url_patterns),
                    entry.default_kwargs,
                    entry.app_name,
                    entry.namespace,
                )
            )
        elif isinstance(entry, URLPattern) and entry.name in OVERRIDES:
            result.append(
                URLPattern(entry.pattern, OVERRIDES[entry.name], entry.default_args, entry.name)
            )
        else:
            result.append(entry)
    return result


app_name = "idp"
urlpatterns = [path("", include((_with_overrides(oidc_urls.urlpatterns), "oidc")))]
