"""The standalone timeline UI: ``path("events/", include("tsunami.urls"))``."""

from django.urls import path

from tsunami import views

app_name = "tsunami"

urlpatterns = [
    path("", views.TimelineView.as_view(), name="timeline"),
    path("chart/", views.ChartView.as_view(), name="chart"),
    path("users/", views.UserSuggestionsView.as_view(), name="user-suggestions"),
    path("<int:pk>/", views.EventView.as_view(), name="event"),
    path(
        "history/<str:app_label>/<str:model_name>/<path:object_id>/",
        views.ObjectHistoryView.as_view(),
        name="object-history",
    ),
]
