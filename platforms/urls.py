"""URLs of the platforms app."""

app_name = "platforms"
urlpatterns: list = []
