"""URLs of the Shared Signals transmitter (metadata under /.well-known/)."""

from django.urls import path

from . import views

app_name = "ssf"
urlpatterns = [
    path(".well-known/ssf-configuration", views.configuration, name="configuration"),
    path("ssf/stream", views.stream, name="stream"),
    path("ssf/status", views.status, name="status"),
    path("ssf/verify", views.verify, name="verify"),
    path("ssf/poll", views.poll, name="poll"),
]
