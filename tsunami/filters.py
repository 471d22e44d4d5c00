"""The timeline's filters; every one is a plain GET parameter."""

from __future__ import annotations

import datetime
import re
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Subquery
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunami.globs import glob_regex
from tsunami.models import EVENT_TYPE_MAX_LENGTH, EventQuerySet, content_type_label
from tsunami.permissions import filterable_content_types, viewable_content_types

MAX_EVENT_TYPE_PATTERNS = 20
#: The paging keys of events filtered by an affecting object: its aggregate row's copy of
#: the event's time, and the event id, so that pages read the aggregate index in order.
AGGREGATE_TIME = "tsunami_aggregate_time"
AGGREGATE_EVENT = "tsunami_aggregate_event"
_EVENT_TYPE_GLOB = re.compile(r"[a-zA-Z0-9._@\\/*?\[\]!-]+")
_SEPARATORS = re.compile(r"[\s,]+")
#: The moments a time filter accepts: far enough inside Python's datetime range that the
#: conversion to UTC and the chart's 30-day default window cannot overflow it.
EARLIEST_TIME = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST_TIME = datetime.datetime(9000, 1, 1, tzinfo=datetime.UTC)
_TIME_VALIDATORS = [
    MinValueValidator(EARLIEST_TIME, _("Give a time from the year 1900 on.")),
    MaxValueValidator(LATEST_TIME, _("Give a time before the year 9000.")),
]


def is_supported_time(moment: datetime.datetime) -> bool:
    """Tell whether a filter may use ``moment`` (naive moments are in the current time zone)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return EARLIEST_TIME <= moment <= LATEST_TIME


class RepeatableTextInput(forms.TextInput):
    """A text input that also accepts the parameter repeated (``?type=a&type=b``)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if isinstance(data, QueryDict):
            values = [value for value in data.getlist(name) if value]
            return ", ".join(values) if values else None
        return super().value_from_datadict(data, files, name)


def _is_valid_glob(pattern: str) -> bool:
    if len(pattern) > EVENT_TYPE_MAX_LENGTH or not _EVENT_TYPE_GLOB.fullmatch(pattern):
        return False
    try:
        re.compile(glob_regex(pattern))
    except re.error:  # a character range such as [z-a]
        return False
    return True


class EventTypeField(forms.CharField):
    """Event types or glob patterns (``auth.user.*``), separated by commas or spaces."""

    widget = RepeatableTextInput

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        patterns = [pattern for pattern in _SEPARATORS.split(text or "") if pattern]
        if len(patterns) > MAX_EVENT_TYPE_PATTERNS:
            raise forms.ValidationError(
                _("Give at most %(max)d event types."), params={"max": MAX_EVENT_TYPE_PATTERNS}
            )
        for pattern in patterns:
            if not _is_valid_glob(pattern):
                raise forms.ValidationError(
                    _("“%(pattern)s” is not an event type or a pattern such as auth.user.*"),
                    params={"pattern": pattern},
                )
        return list(dict.fromkeys(patterns))


class EventTypeFilter(django_filters.Filter):
    """Keep the events whose type matches any of the given types or patterns."""

    field_class = EventTypeField

    def filter(self, qs: EventQuerySet, value: list[str]) -> EventQuerySet:
        if not value:
            return qs
        return qs.of_type(*value)


def _content_type_by_label(label: str) -> ContentType | None:
    app_label, _dot, model = label.rpartition(".")
    try:
        return ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        return None


class EventFilterForm(forms.Form):
    """Checks the filters that only make sense together."""

    content_types: dict[str, ContentType]
    #: Whether an affecting object may be of any model, not only of ``content_types``.
    any_content_type: bool = False

    def clean_aggregate(self) -> tuple[ContentType, str] | None:
        value = self.cleaned_data.get("aggregate")
        if not value:
            return None
        label, _sep, object_id = value.partition(":")
        ctype = self.content_types.get(label.lower())
        if ctype is None and self.any_content_type:
            ctype = _content_type_by_label(label.lower())
        if ctype is None or not object_id:
            raise forms.ValidationError(
                _(
                    "Give the object as app_label.model:id, for example testapp.car:42, "
                    "of a model you may view."
                )
            )
        return ctype, object_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("object") and not cleaned.get("model"):
            self.add_error("object", _("Choose a target model to filter by object."))
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since >= until:
            self.add_error("until", _("“Until” must be later than “since”."))
        return cleaned


def _text(placeholder: Any, **attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"placeholder": placeholder, "autocomplete": "off", **attrs})


def _datetime(name: str) -> forms.DateTimeInput:
    return forms.DateTimeInput(
        attrs={"type": "datetime-local", "id": f"tsunami-filter-{name}", "step": "1"},
        format="%Y-%m-%dT%H:%M:%S",
    )


class EventFilterSet(django_filters.FilterSet):
    """Filter events by user, event type, target model and object, aggregate and time."""

    user = django_filters.CharFilter(
        label=_("User"),
        method="filter_user",
        max_length=255,
        widget=_text(_("username"), id="tsunami-filter-user", list="tsunami-user-options"),
    )
    type = EventTypeFilter(
        label=_("Event types"),
        max_length=MAX_EVENT_TYPE_PATTERNS * (EVENT_TYPE_MAX_LENGTH + 2),
        widget=RepeatableTextInput(
            attrs={
                "id": "tsunami-filter-type",
                "placeholder": "auth.user.*, testapp.car.updated",
                "list": "tsunami-type-options",
                "autocomplete": "off",
            }
        ),
    )
    model = django_filters.ChoiceFilter(
        label=_("Target model"),
        method="filter_model",
        empty_label=_("Any model"),
        widget=forms.Select(attrs={"id": "tsunami-filter-model"}),
    )
    object = django_filters.CharFilter(
        label=_("Target id"),
        method="filter_object",
        max_length=255,
        widget=_text(_("primary key"), id="tsunami-filter-object"),
    )
    aggregate = django_filters.CharFilter(
        label=_("Affecting object"),
        method="filter_aggregate",
        max_length=400,
        widget=_text("app_label.model:id", id="tsunami-filter-aggregate"),
    )
    since = django_filters.DateTimeFilter(
        label=_("Since"),
        field_name="created_at",
        lookup_expr="gte",
        method="filter_since",
        widget=_datetime("since"),
        validators=_TIME_VALIDATORS,
    )
    until = django_filters.DateTimeFilter(
        label=_("Until"),
        field_name="created_at",
        lookup_expr="lt",
        method="filter_until",
        widget=_datetime("until"),
        validators=_TIME_VALIDATORS,
    )

    class Meta:
        fields: list[str] = []
        form = EventFilterForm

    def __init__(
        self,
        data: QueryDict | None = None,
        queryset: EventQuerySet | None = None,
        *,
        request: HttpRequest,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        #: The fields that order the filtered events and page them (see ``filter_aggregate``).
        self.keyset_fields = ("created_at", "id")
        filterable = filterable_content_types(request)
        self.filters["model"].extra["choices"] = [
            (content_type_label(ctype), f"{ctype.app_label} › {ctype.name}") for ctype in filterable
        ]
        self.content_types = {content_type_label(ctype): ctype for ctype in filterable}
        viewable = viewable_content_types(request)
        # A model that is not tracked (any more) still has events: it may be an aggregate.
        self.any_content_type = viewable is None
        if viewable is not None:
            self.content_types.update((content_type_label(ctype), ctype) for ctype in viewable)

    @property
    def form(self) -> EventFilterForm:
        form: EventFilterForm = super().form
        form.content_types = self.content_types
        form.any_content_type = self.any_content_type
        return form

    def filter_user(self, queryset: EventQuerySet, name: str, value: str) -> EventQuerySet:
        """Keep the events of the user with this username.

        The user is compared by id, so the database reads the (user, time) index in order
        instead of joining the users and sorting all of that user's events.
        """
        user_model = get_user_model()
        field = user_model.USERNAME_FIELD
        users = user_model._default_manager.filter(**{field: value}).values("pk")
        if getattr(user_model._meta.get_field(field), "unique", False):
            return queryset.filter(user_id=Subquery(users[:1]))
        return queryset.filter(user_id__in=list(users.values_list("pk", flat=True)))

    def filter_model(self, queryset: EventQuerySet, name: str, value: str) -> EventQuerySet:
        """Keep the events whose target is an instance of this model."""
        return queryset.filter(target_ctype=self.content_types[value])

    def filter_object(self, queryset: EventQuerySet, name: str, value: str) -> EventQuerySet:
        """Keep the events whose target has this primary key (with the model filter)."""
        return queryset.filter(target_id=value)

    def filter_aggregate(
        self, queryset: EventQuerySet, name: str, value: tuple[ContentType, str]
    ) -> EventQuerySet:
        """Keep the events that affect this object, directly or through its parts.

        Joins the object's aggregate rows (at most one per event) and pages by their copy of
        the event's time, so that every page reads the aggregate index in order.
        """
        ctype, object_id = value
        self.keyset_fields = (AGGREGATE_TIME, AGGREGATE_EVENT)
        return queryset.filter(
            aggregate__aggregate_ctype=ctype, aggregate__aggregate_id=str(object_id)
        ).annotate(
            **{
                AGGREGATE_TIME: F("aggregate__created_at"),
                AGGREGATE_EVENT: F("aggregate__event_id"),
            }
        )

    def filter_since(self, queryset: EventQuerySet, name: str, value: Any) -> EventQuerySet:
        """Keep the events since a moment (on the time the events are paged by)."""
        return queryset.filter(**{f"{self.keyset_fields[0]}__gte": value})

    def filter_until(self, queryset: EventQuerySet, name: str, value: Any) -> EventQuerySet:
        """Keep the events before a moment (on the time the events are paged by)."""
        return queryset.filter(**{f"{self.keyset_fields[0]}__lt": value})
