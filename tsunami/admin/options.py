"""The read-only Event admin."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import pagination
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.contrib.auth import get_permission_codename, get_user_model
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tsunami.admin import filters
from tsunami.admin.links import admin_change_url, events_url, existing_objects
from tsunami.admin.pagination import LookaheadPaginator
from tsunami.models import Event, EventAggregate, content_type_label
from tsunami.permissions import restrict

_EXISTS_ATTR = "_tsunami_target_exists"


def _pretty_json(value: Any) -> SafeString:
    text = json.dumps(value, cls=DjangoJSONEncoder, indent=2, sort_keys=True, ensure_ascii=False)
    return format_html('<pre class="tsunami-json">{}</pre>', text)


def _object_link(url: str | None, text: str) -> SafeString:
    if url is None:
        return format_html("{}", text)
    return format_html('<a href="{}">{}</a>', url, text)


class EventChangeList(ChangeList):
    """The list of events: checks which targets still exist, in one query per page."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        events = list(self.result_list)
        site = self.model_admin.admin_site
        found = existing_objects(
            (event.target_ctype, event.target_id)
            for event in events
            if site.is_registered(event.target_ctype.model_class())
        )
        for event in events:
            setattr(event, _EXISTS_ATTR, (event.target_ctype, event.target_id) in found)
        self.result_list = events

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Any]:
        """Order by the joined aggregate's copies of the time and id when filtering by one."""
        ordering = super().get_ordering(request, queryset)
        if filters.AGGREGATE_ORDERING["id"] not in queryset.query.annotations:
            return ordering
        aliases = {**filters.AGGREGATE_ORDERING, "pk": filters.AGGREGATE_ORDERING["id"]}
        result = []
        for item in ordering:
            if isinstance(item, str):
                sign, name = ("-", item[1:]) if item.startswith("-") else ("", item)
                item = f"{sign}{aliases.get(name, name)}"
            result.append(item)
        return result

    def get_pagination(self) -> dict[str, Any]:
        """Return the context of the page links, as Django's ``{% pagination %}`` does."""
        return pagination(self)

    def count_text(self) -> str:
        """Return how many events the list holds, saying so when there are more."""
        paginator = self.paginator
        if getattr(paginator, "has_more", False):
            return _("More than %(count)s events") % {"count": number_format(paginator.count)}
        return ngettext("%(count)s event", "%(count)s events", self.result_count) % {
            "count": number_format(self.result_count)
        }


class _ReadOnlyMixin:
    """Refuse adding, changing and deleting, to everybody."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _can_view_events(request: HttpRequest) -> bool:
    opts = Event._meta
    return any(
        request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    )


class EventAggregateInline(_ReadOnlyMixin, admin.TabularInline):
    """The objects an event affects, each linked to its admin page and its events."""

    model = EventAggregate
    fields = ("aggregate_type", "aggregate_object", "aggregate_events")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("affected object")
    verbose_name_plural = _("affected objects")

    def get_queryset(self, request: HttpRequest) -> QuerySet[EventAggregate]:
        return super().get_queryset(request).select_related("aggregate_ctype")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may see an event may see what it affects.
        return _can_view_events(request)

    @admin.display(description=_("type"))
    def aggregate_type(self, obj: EventAggregate) -> str:
        return content_type_label(obj.aggregate_ctype)

    @admin.display(description=_("object"))
    def aggregate_object(self, obj: EventAggregate) -> SafeString:
        key = (obj.aggregate_ctype, obj.aggregate_id)
        url = admin_change_url(self.admin_site, *key)
        return _object_link(url if url and existing_objects([key]) else None, obj.aggregate_id)

    @admin.display(description=_("events"))
    def aggregate_events(self, obj: EventAggregate) -> SafeString:
        url = events_url(obj.aggregate_ctype, obj.aggregate_id, self.admin_site)
        return _object_link(url, str(_("All events of this object")))


class EventAdmin(_ReadOnlyMixin, admin.ModelAdmin):
    """Browse and filter events; nobody can add, change or delete one here."""

    list_display = (
        "id",
        "event_type",
        "target_type",
        "target_link",
        "aggregate_count",
        "user_link",
        "created_at",
    )
    list_display_links = ("id",)
    list_filter = (
        filters.EventTypeFilter,
        filters.TargetFilter,
        filters.AggregateFilter,
        filters.UserFilter,
        filters.CreatedAtFilter,
    )
    list_select_related = ("target_ctype", "user")
    list_per_page = 100
    sortable_by = ("id", "created_at")
    search_fields = ("event_type", "target_id")
    search_help_text = _("Finds event types that start with a word, and exact target ids.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = LookaheadPaginator
    actions = None
    inlines = (EventAggregateInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "event_type",
                    "target_type",
                    "target_link",
                    "user_link",
                    "created_at",
                )
            },
        ),
        (_("Data"), {"fields": ("pretty_data", "pretty_previous_data")}),
    )
    readonly_fields = (
        "id",
        "event_type",
        "target_type",
        "target_link",
        "user_link",
        "created_at",
        "pretty_data",
        "pretty_previous_data",
    )
    change_list_template = "tsunami/admin/event_change_list.html"
    change_form_template = "tsunami/admin/event_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        # A correlated subquery, not a GROUP BY: the database counts the page's rows only.
        count = (
            EventAggregate.objects.filter(event=OuterRef("pk"))
            .order_by()
            .values("event")
            .annotate(total=Count("pk"))
            .values("total")
        )
        queryset = super().get_queryset(request)
        if self.has_view_permission(request):
            # Like the timeline: only the events of models the user may view. (Users who may
            # not view events at all get Django's 403 rather than "does not exist".)
            queryset = restrict(request, queryset)  # type: ignore[arg-type]
        return queryset.annotate(
            aggregate_total=Coalesce(Subquery(count), 0, output_field=IntegerField())
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return EventChangeList

    def get_paginator(
        self, request: HttpRequest, queryset: Any, per_page: int, *args: Any, **kwargs: Any
    ) -> Paginator:
        """Tell a look-ahead paginator which page the request is for; it reads from there."""
        paginator_class: Any = self.paginator
        if issubclass(paginator_class, LookaheadPaginator):
            kwargs["number"] = request.GET.get(PAGE_VAR, 1)
        return paginator_class(queryset, per_page, *args, **kwargs)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Event], search_term: str
    ) -> tuple[QuerySet[Event], bool]:
        for term in search_term.split():
            queryset = queryset.filter(Q(event_type__startswith=term) | Q(target_id=term))
        return queryset, False

    def view_on_site(self, obj: Event) -> str | None:
        try:
            return reverse("tsunami:event", kwargs={"pk": obj.pk})
        except NoReverseMatch:
            return None

    @admin.display(description=_("target type"))
    def target_type(self, obj: Event) -> str:
        return content_type_label(obj.target_ctype)

    @admin.display(description=_("target"))
    def target_link(self, obj: Event) -> SafeString:
        key = (obj.target_ctype, obj.target_id)
        url = admin_change_url(self.admin_site, *key)
        if url is not None:
            # The changelist checked its whole page at once; the detail page checks here.
            exists = getattr(obj, _EXISTS_ATTR, None)
            if exists is None:
                exists = bool(existing_objects([key]))
            url = url if exists else None
        return _object_link(url, obj.target_id)

    @admin.display(description=_("aggregates"))
    def aggregate_count(self, obj: Event) -> int:
        return getattr(obj, "aggregate_total", 0)

    @admin.display(description=_("user"))
    def user_link(self, obj: Event) -> SafeString | str:
        if obj.user_id is None:
            return "-"
        user_model = get_user_model()
        opts = user_model._meta
        url = None
        if self.admin_site.is_registered(user_model):
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[quote(str(obj.user_id))],
                current_app=self.admin_site.name,
            )
        return _object_link(url, str(obj.user))

    @admin.display(description=_("data"))
    def pretty_data(self, obj: Event) -> SafeString:
        return _pretty_json(obj.data)

    @admin.display(description=_("previous values"))
    def pretty_previous_data(self, obj: Event) -> SafeString:
        return _pretty_json(obj.previous_data)
