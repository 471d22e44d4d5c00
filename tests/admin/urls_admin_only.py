"""The admin sites alone: ``tsunami.urls`` is not mounted."""

from django.contrib import admin
from django.urls import path

from tests.admin.sites import custom_site, event_site, mixin_site

urlpatterns = [
    path("admin/", admin.site.urls),
    path("custom/", custom_site.urls),
    path("eventsite/", event_site.urls),
    path("mixin/", mixin_site.urls),
]
