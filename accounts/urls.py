"""URLs of the accounts app: "Mon organisation" and invitation links.

Every organisation-admin URL starts with the organisation id
(``mon-organisation/<organisation_pk>/``); see ``views.org_admin_view``.
"""

from django.urls import path

from . import views

app_name = "accounts"

_org = "mon-organisation/<int:organisation_pk>/"

urlpatterns = [
    path("securite/double-authentification/", views.staff_mfa, name="staff_mfa"),
    path("inscription/siret/", views.signup_siret_check, name="signup_siret_check"),
    path("mon-organisation/", views.organisation_list, name="org_list"),
    path(_org, views.organisation_detail, name="org_detail"),
    path(f"{_org}inviter/", views.organisation_invite, name="org_invite"),
    path(
        f"{_org}invitations/<int:invitation_pk>/annuler/",
        views.invitation_cancel,
        name="org_invitation_cancel",
    ),
    path(f"{_org}membres/<int:user_pk>/", views.member_detail, name="org_member"),
    path(f"{_org}membres/<int:user_pk>/retirer/", views.member_remove, name="org_member_remove"),
    path(
        f"{_org}membres/<int:user_pk>/habilitations/",
        views.access_grant,
        name="org_access_grant",
    ),
    path(
        f"{_org}membres/<int:user_pk>/habilitations/<int:access_pk>/retirer/",
        views.access_revoke,
        name="org_access_revoke",
    ),
    path(
        f"{_org}demandes/<int:request_pk>/accepter/",
        views.join_request_approve,
        name="org_join_request_approve",
    ),
    path(
        f"{_org}demandes/<int:request_pk>/refuser/",
        views.join_request_refuse,
        name="org_join_request_refuse",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
