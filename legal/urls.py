"""URLs of the legal app."""

app_name = "legal"
urlpatterns: list = []
