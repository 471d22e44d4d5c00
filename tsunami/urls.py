"""The standalone timeline UI: ``path("events/", include("tsunami.urls"))``."""

app_name = "tsunami"

urlpatterns: list[object] = []
