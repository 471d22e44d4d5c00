"""The page of one event and the history page of one object."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.generic import DetailView, TemplateView

from tsunami.models import Event, EventAggregate, EventQuerySet
from tsunami.paginators import KeysetPaginator
from tsunami.permissions import (
    EventViewerRequiredMixin,
    can_view_content_type,
    viewable_content_types,
    visible_events,
)
from tsunami.tables import attach_targets, history_url, load_objects
from tsunami.views.base import (
    PER_PAGE,
    PartialTemplateMixin,
    admin_url,
    keyset_page,
    private_response,
)


class EventView(EventViewerRequiredMixin, DetailView):
    """One event: its diff, raw data, aggregates and links to its target."""

    template_name = "tsunami/event.html"
    context_object_name = "event"

    def get_queryset(self) -> EventQuerySet:
        """Return the events the user may see; any other is a 404."""
        return visible_events(self.request)

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        """Render the page, private and varying with the htmx headers."""
        return private_response(super().render_to_response(context, **kwargs))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Add the target, and the aggregates whose model the user may view."""
        context = super().get_context_data(**kwargs)
        event: Event = self.object
        aggregates = [
            aggregate
            for aggregate in event.aggregates.select_related("aggregate_ctype")
            if can_view_content_type(self.request, aggregate.aggregate_ctype)
        ]
        objects = load_objects(
            [(event.target_ctype, event.target_id)]
            + [(item.aggregate_ctype, item.aggregate_id) for item in aggregates]
        )
        target = objects.get((event.target_ctype_id, event.target_id))
        context.update(
            target=target,
            target_history_url=history_url(event.target_ctype, event.target_id),
            target_admin_url=admin_url(event.target_ctype, event.target_id) if target else None,
            aggregates=[
                {
                    "ctype": item.aggregate_ctype,
                    "object_id": item.aggregate_id,
                    "object": objects.get((item.aggregate_ctype_id, item.aggregate_id)),
                    "url": history_url(item.aggregate_ctype, item.aggregate_id),
                }
                for item in aggregates
            ],
        )
        return context


class ObjectHistoryView(EventViewerRequiredMixin, PartialTemplateMixin, TemplateView):
    """Every event that affects one object, newest first, as cards with their diffs."""

    template_name = "tsunami/object_history.html"
    partial_template_name = "tsunami/partials/history_events.html"
    htmx_target = "tsunami-history-events"

    def get(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        """Find the model, check the permission to view it, then render."""
        app_label, model_name = kwargs["app_label"], kwargs["model_name"].lower()
        if any("\x00" in kwargs[key] for key in ("app_label", "model_name", "object_id")):
            raise Http404
        ctype = ContentType.objects.filter(app_label=app_label, model=model_name).first()
        if ctype is None:
            raise Http404
        self.ctype: ContentType = ctype
        if not can_view_content_type(request, ctype):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Add the object (if it still exists) and one keyset page of its events."""
        context = super().get_context_data(**kwargs)
        object_id = kwargs["object_id"]
        rows = EventAggregate.objects.filter(
            aggregate_ctype=self.ctype, aggregate_id=object_id
        ).select_related("event__target_ctype", "event__user")
        viewable = viewable_content_types(self.request)
        if viewable is not None:
            rows = rows.filter(event__target_ctype_id__in=[ctype.pk for ctype in viewable])
        errors: list[str] = []
        paginator = KeysetPaginator(rows, per_page=PER_PAGE, id_field="event_id")
        page = keyset_page(self.request, paginator, errors)
        events = [row.event for row in page.rows] if page else []
        attach_targets(events)
        obj = load_objects([(self.ctype, object_id)]).get((self.ctype.pk, object_id))
        context.update(
            ctype=self.ctype,
            object_id=object_id,
            object=obj,
            admin_url=admin_url(self.ctype, object_id) if obj is not None else None,
            events=events,
            page=page,
            errors=errors,
        )
        return context
