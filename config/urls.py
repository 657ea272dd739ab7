"""Root URLs. Each app owns its own ``urls.py``; allauth stays under /accounts/."""

from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import security
from accounts import views as account_views
from config import health, metrics


def favicon(request):
    """Browsers (and the admin's pages) ask for /favicon.ico: point them at the SVG."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("", account_views.home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # Before the admin: its own sign-in form would bypass throttles and MFA.
    path("admin/login/", security.admin_login, name="admin_login_redirect"),
    # Same for its password change: allauth's ends the other sessions and tokens.
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="account_change_password"),
        name="admin_password_change_redirect",
    ),
    path("admin/", admin.site.urls),
    # allauth's sign-in view, in one transaction (accounts.views.login).
    path("accounts/login/", account_views.login, name="account_login"),
    # allauth's sign-up, prefilled from the invitation being followed (accounts.views.signup).
    path("accounts/signup/", account_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    # allauth's provider URLs, authorize and token wrapped by platforms.
    path("", include("platforms.idp_urls")),
    path("", include("accounts.urls")),
    path("", include("platforms.urls")),
    path("", include("platforms.ssf.urls")),
    path("", include("platforms.saml.urls")),
    path("", include("lifecycle.urls")),
    path("", include("legal.urls")),
    path("", include("privacy.urls")),
]
