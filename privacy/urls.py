"""URLs of the privacy app (French paths; names under the ``privacy`` namespace)."""

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("mes-donnees/", views.my_data, name="my_data"),
    path("mes-donnees/export.json", views.my_data_export, name="my_data_export"),
    path("mes-donnees/profil/", views.profile_edit, name="profile_edit"),
    path("mes-donnees/cloture/", views.closure_request_create, name="closure_request"),
    path(
        "mes-donnees/cloture/<int:pk>/retirer/",
        views.closure_request_withdraw,
        name="closure_withdraw",
    ),
    path("mes-donnees/dpo/", views.dpo_request_create, name="dpo_request"),
    path("identifiants-perdus/", views.lost_credentials, name="lost_credentials"),
    path("identifiants-perdus/envoye/", views.lost_credentials_done, name="lost_credentials_done"),
    path(
        "identifiants-perdus/suspendu/",
        views.lost_credentials_suspended,
        name="lost_credentials_suspended",
    ),
    path(
        "identifiants-perdus/confirmer/<str:token>/",
        views.lost_credentials_confirm,
        name="lost_credentials_confirm",
    ),
    path("justificatifs/<int:pk>/", views.proof_detail, name="proof_detail"),
    path("justificatifs/document/<uuid:pk>/", views.proof_document, name="proof_document"),
    path(
        "organisations/<int:organisation_pk>/quitter/",
        views.membership_quit,
        name="membership_quit",
    ),
]
