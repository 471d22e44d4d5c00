"""A custom admin site alone: neither the timeline nor an Event admin is mounted."""

from django.urls import path

from tests.admin.sites import custom_site

urlpatterns = [path("custom-only/", custom_site.urls)]
