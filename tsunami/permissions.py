"""Who may see which events: staff with ``tsunami.view_event`` and the model's view permission."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponseBase
from django_htmx.http import HttpResponseClientRedirect

from tsunami import conf
from tsunami.models import Event, EventQuerySet

VIEW_EVENT_PERMISSION = "tsunami.view_event"
_CACHE_ATTR = "_tsunami_content_types"
_FILTERABLE_CACHE_ATTR = "_tsunami_filterable_content_types"
# The admin treats the change permission as including the view permission; so do we.
_VIEW_ACTIONS = ("view", "change")


def can_use_timeline(user: Any) -> bool:
    """Return whether ``user`` may open the timeline UI at all."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(VIEW_EVENT_PERMISSION)
    )


def viewable_content_types(request: HttpRequest) -> list[ContentType] | None:
    """Return the content types whose events the request's user may see; ``None`` means all.

    Computed once per request with one query (the user's permissions are cached on the user).
    """
    cached: list[ContentType] | None | bool = getattr(request, _CACHE_ATTR, False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    user = request.user
    result: list[ContentType] | None
    if user.is_superuser:
        result = None
    else:
        pairs = set()
        for perm in user.get_all_permissions():
            app_label, _, codename = perm.partition(".")
            action, _, model_name = codename.partition("_")
            if action in _VIEW_ACTIONS and model_name:
                pairs.add((app_label, model_name))
        query = Q()
        for app_label, model_name in sorted(pairs):
            query |= Q(app_label=app_label, model=model_name)
        result = list(ContentType.objects.filter(query).order_by("id")) if pairs else []
    setattr(request, _CACHE_ATTR, result)
    return result


def filterable_content_types(request: HttpRequest) -> list[ContentType]:
    """Return the tracked content types that the user may filter by, sorted by their label."""
    cached: list[ContentType] | None = getattr(request, _FILTERABLE_CACHE_ATTR, None)
    if cached is not None:
        return cached
    viewable = viewable_content_types(request)
    candidates = ContentType.objects.order_by("id") if viewable is None else viewable
    result = sorted(
        (
            ctype
            for ctype in candidates
            if (model := ctype.model_class()) is not None and conf.is_tracked(model)
        ),
        key=lambda ctype: (ctype.app_label, ctype.model),
    )
    setattr(request, _FILTERABLE_CACHE_ATTR, result)
    return result


def can_view_content_type(request: HttpRequest, ctype: ContentType) -> bool:
    """Return whether the user may see the events and history of objects of ``ctype``."""
    viewable = viewable_content_types(request)
    return viewable is None or any(item.pk == ctype.pk for item in viewable)


def restrict(request: HttpRequest, queryset: EventQuerySet) -> EventQuerySet:
    """Return the events of ``queryset`` whose target model the user may view."""
    viewable = viewable_content_types(request)
    if viewable is None:
        return queryset
    return queryset.filter(target_ctype_id__in=[ctype.pk for ctype in viewable])


def visible_events(request: HttpRequest) -> EventQuerySet:
    """Return every event the user may see, with what the pages show of it joined in."""
    return restrict(request, Event.objects.select_related("target_ctype", "user"))


class EventViewerRequiredMixin(AccessMixin):
    """Redirect anonymous users to the login page and refuse users who may not see events."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Check access before anything else runs."""
        if not request.user.is_authenticated:
            response = self.handle_no_permission()
            if getattr(request, "htmx", False):
                # A partial must not swap the login page into the table: reload the whole page.
                return HttpResponseClientRedirect(response["Location"])
            return response
        if not can_use_timeline(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
