"""Root URLs. Each app owns its own ``urls.py``; allauth stays under /accounts/."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from config import health

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("allauth.idp.urls")),
    path("", include("accounts.urls")),
    path("", include("platforms.urls")),
    path("", include("lifecycle.urls")),
    path("", include("legal.urls")),
    path("", include("privacy.urls")),
]
