"""The standalone timeline UI: ``path("events/", include("tsunami.urls"))``."""

from django.urls import path

app_name = "tsunami"

urlpatterns: list = []  # type: ignore[type-arg]
