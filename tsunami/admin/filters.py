"""List filters of the Event admin: typed values and content types, never lists of rows.

On a large event table a dropdown of every user or every object would load that whole
table; these filters take typed values instead, and the content-type filters list only
content types.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import F, Model, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from tsunami.filters import is_supported_time
from tsunami.models import EventAggregate, content_type_label

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


# Content type ids are integers; longer digit strings overflow SQLite's INTEGER.
_MAX_ID_DIGITS = 18
# ASCII digits only: str.isdigit() also accepts "¹", which int() refuses.
_ID_RE = re.compile(rf"[0-9]{{1,{_MAX_ID_DIGITS}}}")


@dataclass
class FilterInput:
    """One input of an ``InputFilter``: a text box, or a select when it has options."""

    name: str
    label: StrOrPromise
    type: str = "text"
    options: list[tuple[str, str]] | None = None
    value: str = ""
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


#: The names under which the affected-object filter joins its aggregate's time and event id,
#: by the event field whose value they copy.
AGGREGATE_ORDERING = {"created_at": "tsunami_aggregate_time", "id": "tsunami_aggregate_event"}


class InputFilter(admin.ListFilter):
    """Filter the changelist by values typed into a small form in the sidebar."""

    template = "tsunami/admin/input_filter.html"

    def __init__(
        self,
        request: HttpRequest,
        params: dict[str, list[str]],
        model: type[Model],
        model_admin: admin.ModelAdmin[Any],
    ) -> None:
        super().__init__(request, params, model, model_admin)
        self.errors: dict[str, str] = {}
        for name in self.expected_parameters():
            if name in params:
                value = params.pop(name)[-1].strip()
                if "\x00" in value:
                    # No database column can hold NUL (PostgreSQL refuses it outright).
                    self.errors[name] = str(_("Remove the NUL character from this value."))
                elif value:
                    self.used_parameters[name] = value

    def get_inputs(self) -> list[FilterInput]:
        """Return the inputs of the form, in order."""
        raise NotImplementedError

    def expected_parameters(self) -> list[str | None]:
        return [item.name for item in self.get_inputs()]

    def has_output(self) -> bool:
        return True

    def value(self, name: str) -> str:
        """Return the typed value of the input ``name``, or ``""``."""
        return str(self.used_parameters.get(name, ""))

    def choices(self, changelist: ChangeList) -> Iterator[dict[str, Any]]:
        own = set(self.expected_parameters())
        inputs = self.get_inputs()
        for item in inputs:
            item.value = self.value(item.name)
            item.error = self.errors.get(item.name, "")
        yield {
            "selected": bool(self.used_parameters),
            "inputs": inputs,
            "hidden": [
                (name, value)
                for name, value in changelist.params.items()
                if name not in own and name != PAGE_VAR
            ],
            "clear_query_string": changelist.get_query_string(remove=[n for n in own if n]),
        }


class EventTypeFilter(InputFilter):
    """Filter by event type; globs like ``auth.user.*`` and comma-separated lists work."""

    title = _("event type")
    parameter_name = "event_type"

    def get_inputs(self) -> list[FilterInput]:
        return [
            FilterInput(
                self.parameter_name,
                _("Event type (globs like app.model.* allowed)"),
                extra={"placeholder": "app_label.model.*"},
            )
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value(self.parameter_name)
        if not value:
            return None
        patterns = [pattern for pattern in re.split(r"[\s,]+", value) if pattern]
        return queryset.of_type(*patterns)  # type: ignore[attr-defined]


def content_type_options(request: HttpRequest) -> list[tuple[str, str]]:
    """Return every content type as ``(id, "app_label.model")``, read once per request."""
    cached = getattr(request, "_tsunami_content_type_options", None)
    if cached is None:
        cached = [
            (str(ctype.pk), content_type_label(ctype))
            for ctype in ContentType.objects.order_by("app_label", "model")
        ]
        request._tsunami_content_type_options = cached  # type: ignore[attr-defined]
    return cached


class ObjectFilter(InputFilter):
    """Filter by a content type chosen from a list and an object id typed in."""

    ctype_parameter = ""
    id_parameter = ""

    def get_inputs(self) -> list[FilterInput]:
        return [
            FilterInput(
                self.ctype_parameter, _("Type"), options=content_type_options(self.request)
            ),
            FilterInput(self.id_parameter, _("Id")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        ctype_id = self.value(self.ctype_parameter)
        object_id = self.value(self.id_parameter)
        if ctype_id and not _ID_RE.fullmatch(ctype_id):
            self.errors[self.ctype_parameter] = str(_("Choose a content type from the list."))
            ctype_id = ""
        if not (ctype_id or object_id):
            return None
        return self.filter_object(queryset, int(ctype_id) if ctype_id else None, object_id)

    def filter_object(
        self, queryset: QuerySet[Any], ctype_id: int | None, object_id: str
    ) -> QuerySet[Any]:
        """Return the events of the object (either part may be missing)."""
        raise NotImplementedError


class TargetFilter(ObjectFilter):
    """Filter by the object the event happened to, directly."""

    title = _("target")
    ctype_parameter = "target_ctype"
    id_parameter = "target_id"

    def filter_object(
        self, queryset: QuerySet[Any], ctype_id: int | None, object_id: str
    ) -> QuerySet[Any]:
        if ctype_id is not None:
            queryset = queryset.filter(target_ctype_id=ctype_id)
        if object_id:
            queryset = queryset.filter(target_id=object_id)
        return queryset


class AggregateFilter(ObjectFilter):
    """Filter by an object the event affects, directly or through its aggregates."""

    title = _("affected object")
    ctype_parameter = "aggregate_ctype"
    id_parameter = "aggregate_id"

    def filter_object(
        self, queryset: QuerySet[Any], ctype_id: int | None, object_id: str
    ) -> QuerySet[Any]:
        if ctype_id is not None and object_id:
            # At most one aggregate row per event matches both: join it, and name its copy of
            # the event's time and id, so that the list orders by them (see EventChangeList)
            # and reads the aggregate index in order instead of sorting the object's events.
            return queryset.filter(
                aggregate__aggregate_ctype_id=ctype_id, aggregate__aggregate_id=object_id
            ).alias(
                **{
                    AGGREGATE_ORDERING["created_at"]: F("aggregate__created_at"),
                    AGGREGATE_ORDERING["id"]: F("aggregate__event_id"),
                }
            )
        # One subquery for both parts: the type and the id must match the same aggregate.
        aggregates = EventAggregate.objects.all()
        if ctype_id is not None:
            aggregates = aggregates.filter(aggregate_ctype_id=ctype_id)
        if object_id:
            aggregates = aggregates.filter(aggregate_id=object_id)
        return queryset.filter(pk__in=aggregates.values("event_id"))


class UserFilter(InputFilter):
    """Filter by the user, typed as a username or an id."""

    title = _("user")
    parameter_name = "user"

    def get_inputs(self) -> list[FilterInput]:
        return [FilterInput(self.parameter_name, _("Username or id"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        value = self.value(self.parameter_name)
        if not value:
            return None
        user_model = get_user_model()
        matches = Q(**{user_model.USERNAME_FIELD: value})
        with contextlib.suppress(ValidationError):
            matches |= Q(pk=user_model._meta.pk.to_python(value))
        user_ids = list(
            user_model._default_manager.filter(matches).values_list("pk", flat=True)[:2]
        )
        return queryset.filter(user_id__in=user_ids)


class CreatedAtFilter(InputFilter):
    """Filter by a range of creation dates (or date-times), both ends included."""

    title = _("created at")
    from_parameter = "created_from"
    to_parameter = "created_to"

    def get_inputs(self) -> list[FilterInput]:
        return [
            FilterInput(self.from_parameter, _("From"), type="date"),
            FilterInput(self.to_parameter, _("To"), type="date"),
        ]

    def _moment(self, name: str) -> tuple[datetime.datetime | None, bool]:
        """Return the typed moment and whether it was a whole day."""
        value = self.value(name)
        if not value:
            return None, False
        try:
            day = parse_date(value)
            moment = parse_datetime(value) if day is None else None
        except ValueError:
            day = moment = None
        if day is not None:
            moment = datetime.datetime.combine(day, datetime.time.min)
        if moment is None:
            self.errors[name] = str(_("Enter a date as YYYY-MM-DD."))
            return None, False
        if not is_supported_time(moment):
            self.errors[name] = str(_("Give a date from the year 1900 up to 9000."))
            return None, False
        if settings.USE_TZ and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        elif not settings.USE_TZ and timezone.is_aware(moment):
            moment = timezone.make_naive(moment)
        return moment, day is not None

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        start, _day = self._moment(self.from_parameter)
        end, whole_day = self._moment(self.to_parameter)
        if start is not None:
            queryset = queryset.filter(created_at__gte=start)
        if end is not None and whole_day:
            queryset = queryset.filter(created_at__lt=end + datetime.timedelta(days=1))
        elif end is not None:
            queryset = queryset.filter(created_at__lte=end)
        return queryset
