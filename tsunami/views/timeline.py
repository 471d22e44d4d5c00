"""The timeline, its lazily loaded activity chart and the user type-ahead."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django_filters.views import FilterView
from django_htmx.http import push_url
from django_tables2 import SingleTableMixin

from tsunami import charts
from tsunami.filters import EventFilterSet
from tsunami.models import Event, EventQuerySet, content_type_label
from tsunami.paginators import KeysetPage, KeysetPaginator
from tsunami.permissions import (
    EventViewerRequiredMixin,
    filterable_content_types,
    restrict,
    visible_events,
)
from tsunami.tables import EventTable, attach_targets
from tsunami.views.base import (
    PER_PAGE,
    PartialTemplateMixin,
    form_errors,
    keyset_page,
    private_response,
)

SORTS = {"-when": True, "when": False}
DEFAULT_SORT = "-when"
MAX_USER_SUGGESTIONS = 20


class _FilteredEventsMixin(EventViewerRequiredMixin):
    """Filter the events the user may see by the GET parameters."""

    filterset_class = EventFilterSet
    filterset: EventFilterSet

    def get_queryset(self) -> EventQuerySet:
        """Return the events the user may see."""
        return visible_events(self.request)

    def get_filterset_kwargs(self, filterset_class: Any) -> dict[str, Any]:
        """Bind the filters to the query string (always, so defaults are not needed)."""
        return {"data": self.request.GET, "queryset": self.get_queryset(), "request": self.request}


class TimelineView(_FilteredEventsMixin, PartialTemplateMixin, SingleTableMixin, FilterView):
    """All events newest first, filtered, in pages of 50; htmx swaps only the table."""

    table_class = EventTable
    table_pagination = False
    template_name = "tsunami/timeline.html"
    partial_template_name = "tsunami/partials/timeline_results.html"
    htmx_target = "tsunami-results"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Read the sort and paging parameters, then filter and render."""
        self.errors: list[str] = []
        self.page: KeysetPage | None = None
        self.sort = request.GET.get("sort") or DEFAULT_SORT
        if self.sort not in SORTS:
            self.errors.append(
                _("Sort by “when” or “-when”, not “%(sort)s”.") % {"sort": self.sort}
            )
            self.sort = DEFAULT_SORT
        return super().get(request, *args, **kwargs)

    def get_table_data(self) -> list[Any]:
        """Return one keyset page of the filtered events with their targets loaded."""
        self.errors.extend(form_errors(self.filterset.form) if self.filterset.errors else [])
        if self.errors:
            return []
        time_field, id_field = self.filterset.keyset_fields
        paginator = KeysetPaginator(
            self.object_list,
            per_page=PER_PAGE,
            time_field=time_field,
            id_field=id_field,
            descending=SORTS[self.sort],
        )
        self.page = keyset_page(self.request, paginator, self.errors)
        if self.page is None:
            return []
        attach_targets(self.page.rows)
        return self.page.rows

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        """For htmx, push the URL without the form's empty parameters (``?user=&type=``)."""
        response = super().render_to_response(context, **kwargs)
        if self.is_partial_request():
            query = QueryDict(mutable=True)
            for key, values in self.request.GET.lists():
                kept = [value for value in values if value]
                if kept:
                    query.setlist(key, kept)
            push_url(
                response, f"{self.request.path}?{query.urlencode()}" if query else self.request.path
            )
        return response

    def get_table(self, **kwargs: Any) -> EventTable:
        """Build the table without RequestConfig: sorting and paging are ours, validated above."""
        return self.get_table_class()(data=self.get_table_data(), **kwargs)

    def get_table_kwargs(self) -> dict[str, Any]:
        """Show the current sort in the header, the default included."""
        return {"order_by": (self.sort,)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Add the page, the errors and the suggestions for the filter inputs."""
        context = super().get_context_data(**kwargs)
        ctypes = filterable_content_types(self.request)
        context.update(
            page=self.page,
            errors=self.errors,
            sort=self.sort,
            default_sort=DEFAULT_SORT,
            type_suggestions=[
                f"{content_type_label(ctype)}.{suffix}"
                for ctype in ctypes
                for suffix in ("*", "created", "updated", "deleted")
            ],
        )
        return context


class ChartView(_FilteredEventsMixin, PartialTemplateMixin, FilterView):
    """The activity chart of the current filter, as an SVG fragment (a page without htmx)."""

    template_name = "tsunami/chart.html"
    partial_template_name = "tsunami/partials/chart.html"
    htmx_target = "tsunami-chart"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Count the filtered events per bucket, unless a filter is invalid."""
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        errors = form_errors(form) if self.filterset.errors else []
        chart = None
        if not errors:
            chart = charts.activity(
                self.object_list,
                since=form.cleaned_data.get("since"),
                until=form.cleaned_data.get("until"),
                now=timezone.now(),
                time_field=self.filterset.keyset_fields[0],
            )
        context.update(chart=chart, errors=errors)
        return context


class UserSuggestionsView(EventViewerRequiredMixin, View):
    """``<option>``s of the users whose events the user may see, by username prefix."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Return up to 20 users whose username starts with ``?user=``."""
        user_model = get_user_model()
        field = user_model.USERNAME_FIELD
        term = request.GET.get("user", "").strip()[:150]
        users = []
        if "\x00" not in term:
            events = restrict(request, Event.objects.all())
            users = list(
                user_model._default_manager.filter(
                    Exists(events.filter(user=OuterRef("pk"))),
                    **{f"{field}__istartswith": term},
                ).order_by(field)[:MAX_USER_SUGGESTIONS]
            )
        return private_response(
            render(request, "tsunami/partials/user_options.html", {"users": users})
        )
