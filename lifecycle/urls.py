"""URLs of the lifecycle app (the organisation administrator's pages)."""

from django.urls import path

from . import views

app_name = "lifecycle"
urlpatterns = [
    path(
        "organisations/<int:organisation_pk>/membres/<int:user_pk>/desactiver/",
        views.org_member_deactivate,
        name="org_member_deactivate",
    ),
    path(
        "organisations/<int:organisation_pk>/membres/<int:user_pk>/reactiver/",
        views.org_member_reactivate,
        name="org_member_reactivate",
    ),
]
