"""GET requests sent straight to Django's WSGIHandler and ASGIHandler, as a server would.

Unlike the test client's handlers, these run Django's request_started/request_finished
cycle (which closes the thread's database connection after each request) and build the
request from a WSGI environ or an ASGI scope.
"""

from __future__ import annotations

import asyncio
import io
from wsgiref.util import setup_testing_defaults

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client


def session_cookie(user) -> str:
    """Return the Cookie header of a session logged in as ``user`` (none for ``None``)."""
    if user is None:
        return ""
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def wsgi_get(handler: WSGIHandler, path: str, cookie: str) -> int:
    """Send ``GET path`` through ``handler``; return the response's status code."""
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD="GET", PATH_INFO=path, HTTP_COOKIE=cookie, CONTENT_LENGTH="0")
    environ["wsgi.input"] = io.BytesIO(b"")
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status.split()[0]))

    response = handler(environ, start_response)
    try:
        b"".join(response)
    finally:
        response.close()
    return statuses[0]


async def asgi_get(handler: ASGIHandler, path: str, cookie: str) -> int:
    """Send ``GET path`` through ``handler``; return the response's status code."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    body_sent = False
    messages = []

    async def receive():
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Future()  # the client stays connected until the response is sent

    async def send(message):
        messages.append(message)

    await handler(scope, receive, send)
    return next(m["status"] for m in messages if m["type"] == "http.response.start")
