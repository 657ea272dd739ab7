"""URLs of the lifecycle app."""

app_name = "lifecycle"
urlpatterns: list = []
