"""The pages of the timeline UI."""

from tsunami.views.objects import EventView, ObjectHistoryView
from tsunami.views.timeline import ChartView, TimelineView, UserSuggestionsView

__all__ = ["ChartView", "EventView", "ObjectHistoryView", "TimelineView", "UserSuggestionsView"]
