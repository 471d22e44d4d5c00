"""Middleware that attributes the events of a request to its user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

from tsunami import tracking


@sync_and_async_middleware
def user_tracking(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    """Attribute the events created while handling a request to ``request.user``.

    The user is read when an event is written, so install this after
    ``AuthenticationMiddleware``; authentication done later, inside the view, counts too.
    """
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            with tracking.bound_request(request):
                response: Awaitable[HttpResponseBase] = get_response(request)
                return await response

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        with tracking.bound_request(request):
            response: HttpResponseBase = get_response(request)
            return response

    return middleware
