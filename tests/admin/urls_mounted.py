"""The admin sites with ``tsunami.urls`` mounted, or a stand-in while it lacks its pages."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from tests.admin.sites import custom_site, event_site

_NAMES = {"event", "object-history"}


def _stand_in(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("stand-in")


_STAND_IN = (
    [
        path("<int:pk>/", _stand_in, name="event"),
        path(
            "history/<str:app_label>/<str:model_name>/<path:object_id>/",
            _stand_in,
            name="object-history",
        ),
    ],
    "tsunami",
)


def _tsunami_urls():
    from tsunami import urls

    names = {getattr(pattern, "name", None) for pattern in urls.urlpatterns}
    return "tsunami.urls" if names >= _NAMES else _STAND_IN


urlpatterns = [
    path("admin/", admin.site.urls),
    path("custom/", custom_site.urls),
    path("eventsite/", event_site.urls),
    path("events/", include(_tsunami_urls())),
]
