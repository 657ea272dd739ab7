"""SAML identity provider URLs (namespace ``saml``)."""

from django.urls import path

from . import views

app_name = "saml"
urlpatterns = [
    path("saml/metadata/", views.metadata_view, name="metadata"),
    path("saml/sso/", views.sso, name="sso"),
    path("saml/sso/suite/<str:key>/", views.sso_continue, name="continue"),
    path("saml/connexion/<slug:platform_code>/", views.idp_initiated, name="idp_initiated"),
    path("saml/slo/", views.slo, name="slo"),
]
