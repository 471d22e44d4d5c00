from django.urls import path
from django.views.generic import RedirectView

from tests.urls import urlpatterns as test_urlpatterns

urlpatterns = [
    path("", RedirectView.as_view(url="/events/", permanent=False)),
    *test_urlpatterns,
]
