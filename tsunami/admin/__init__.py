"""The read-only Event admin, registered with the default site, and the history redirect."""

from django.contrib import admin

from tsunami.admin.history import TsunamiHistoryMixin, install_history_redirect
from tsunami.admin.options import EventAdmin, EventAggregateInline
from tsunami.models import Event

__all__ = ["EventAdmin", "EventAggregateInline", "TsunamiHistoryMixin", "install_history_redirect"]

admin.site.register(Event, EventAdmin)
