from django.urls import include, path
from mozilla_django_oidc.views import OIDCLogoutView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("oidc/initiate/", views.initiate_login, name="initiate_login"),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("logout/", OIDCLogoutView.as_view(), name="logout"),
    path("backchannel-logout/", views.backchannel_logout, name="backchannel_logout"),
    path("ssf/events", views.ssf_events, name="ssf_events"),
]
