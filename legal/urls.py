"""URLs of the legal app. Every URL here stays reachable behind the CGU gate."""

from django.urls import path

from . import views

app_name = "legal"
urlpatterns = [
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("cgu/", views.cgu_current, name="cgu"),
    path("cgu/archives/", views.cgu_archive, name="cgu_archive"),
    path("cgu/versions/<int:pk>/", views.cgu_version, name="cgu_version"),
    path("cgu/difference/", views.cgu_diff, name="cgu_diff"),
    path("cgu/nouvelle-version/", views.cgu_gate, name="cgu_gate"),
    path("cgu/refus/", views.cgu_decline, name="cgu_decline"),
    path("cgu/refusees/", views.cgu_declined, name="cgu_declined"),
    path("cookies/", views.cookies, name="cookies"),
    path("cookies/choix/", views.cookie_choice, name="cookie_choice"),
]
