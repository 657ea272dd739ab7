"""URLs of the lifecycle app (the organisation administrator's pages)."""

from django.urls import path

from . import views
from .webhooks import BrevoTrackingWebhook, MailjetTrackingWebhook

app_name = "lifecycle"
urlpatterns = [
    # The mail providers' tracking webhooks (basic auth: ANYMAIL["WEBHOOK_SECRET"]):
    # hard bounces of lifecycle notices stop the account's clock (lifecycle.signals).
    path(
        "anymail/brevo/tracking/",
        BrevoTrackingWebhook.as_view(),
        name="brevo_tracking_webhook",
    ),
    path(
        "anymail/mailjet/tracking/",
        MailjetTrackingWebhook.as_view(),
        name="mailjet_tracking_webhook",
    ),
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
