"""URLs of the platforms app.

``authorize`` and ``token`` take over allauth's own paths: config/urls.py
includes these patterns *before* ``allauth.idp.urls`` so that they win.
"""

from django.urls import path

from . import views

app_name = "platforms"
urlpatterns = [
    path("identity/o/authorize", views.authorize, name="oidc_authorize"),
    path("identity/o/api/token", views.token, name="oidc_token"),
    path("api/v1/activity", views.activity, name="api_activity"),
    path("api/v1/openapi.json", views.openapi_document, name="api_openapi"),
]
