"""URLs of the platforms app: the API called by the platforms.

The provider's endpoints live in ``platforms.idp_urls`` (allauth's, with the
authorize and token views wrapped), included by config/urls.py.
"""

from django.urls import path

from . import views

app_name = "platforms"
urlpatterns = [
    path("api/v1/activity", views.activity, name="api_activity"),
    path("api/v1/openapi.json", views.openapi_document, name="api_openapi"),
]
