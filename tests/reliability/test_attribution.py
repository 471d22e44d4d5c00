"""User attribution under load, through Django's WSGIHandler and ASGIHandler.

Many requests by different users (and anonymous ones) overlap inside the middleware; each
changes its own object, and its event must carry the user of that request. The same
scenarios run against two broken implementations of the request state, a plain global
and a thread-local, to show that they would be caught.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections

from tests.reliability.handlers import asgi_get, session_cookie, wsgi_get
from tests.reliability.urls import Load
from tests.testapp.models import Car
from tsunami import tracking
from tsunami.models import Event
from tsunami.tracking import suspend

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.reliability.urls"),
]

THREADS = 6
WAVES = 3
ASYNC_REQUESTS = 12


def make_cars(count):
    with suspend():
        return [Car.objects.create(manufacturer=f"car {i}") for i in range(count)]


def mismatches(expected):
    """Return ``(car, expected user id, recorded user ids)`` for every car recorded wrongly."""
    wrong = []
    for car, user in expected:
        recorded = list(
            Event.objects.for_target(car)
            .filter(event_type="testapp.car.updated")
            .values_list("user_id", flat=True)
        )
        want = user.pk if user is not None else None
        if recorded != [want]:
            wrong.append((car.pk, want, recorded))
    return wrong


def wsgi_scenario():
    """THREADS threads, each sending WAVES requests as different users, then one change
    outside any request; the requests of a wave wait for each other inside the view."""
    User = get_user_model()
    cars = make_cars(THREADS * WAVES + THREADS)
    plans = []
    expected = []
    for thread in range(THREADS):
        requests = []
        for wave in range(WAVES):
            car = cars[thread * WAVES + wave]
            user = None
            if (thread + wave) % THREADS:  # one anonymous request in each wave
                user = User.objects.create_user(f"user-{thread}-{wave}")
            requests.append((session_cookie(user), car))
            expected.append((car, user))
        after = cars[THREADS * WAVES + thread]
        expected.append((after, None))
        plans.append((requests, after))
    Load.barrier = threading.Barrier(THREADS)
    Load.write_lock = (
        threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    )
    errors = []
    handler = WSGIHandler()

    def run(requests, after):
        try:
            for cookie, car in requests:
                assert wsgi_get(handler, f"/wave/{car.pk}/", cookie) == 200
            with Load.write_lock:
                after.manufacturer = "changed outside any request"
                after.save()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            Load.barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    Load.barrier = None
    Load.write_lock = contextlib.nullcontext()
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors
    return mismatches(expected)


def asgi_scenario(route):
    """ASYNC_REQUESTS requests by different users (two anonymous) at once, through ASGI."""
    User = get_user_model()
    cars = make_cars(ASYNC_REQUESTS)
    users = [
        User.objects.create_user(f"async-{i}") if i % 6 else None for i in range(ASYNC_REQUESTS)
    ]

    cookies = [session_cookie(user) for user in users]
    handler = ASGIHandler()

    async def run():
        try:
            return await asyncio.gather(
                *(
                    asgi_get(handler, f"/{route}/{car.pk}/", cookie)
                    for cookie, car in zip(cookies, cars, strict=True)
                )
            )
        finally:
            await sync_to_async(connections.close_all)()

    assert asyncio.run(run()) == [200] * ASYNC_REQUESTS
    return mismatches(list(zip(cars, users, strict=True)))


def test_wsgi_requests_under_load_are_attributed_to_their_users():
    assert wsgi_scenario() == []


@pytest.mark.parametrize("route", ["async-pause", "pause"])
def test_asgi_requests_under_load_are_attributed_to_their_users(route):
    assert asgi_scenario(route) == []


def _current_user_of(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@pytest.fixture
def global_request_state(monkeypatch):
    """Replace tsunami's request state with a plain module global."""
    holder = {"request": None}

    @contextlib.contextmanager
    def bound_request(request):
        holder["request"] = request
        try:
            yield
        finally:
            holder["request"] = None

    monkeypatch.setattr(tracking, "bound_request", bound_request)
    monkeypatch.setattr(tracking, "current_user", lambda: _current_user_of(holder["request"]))


@pytest.fixture
def thread_local_request_state(monkeypatch):
    """Replace tsunami's request state with a thread-local that is set and never cleared."""
    local = threading.local()

    @contextlib.contextmanager
    def bound_request(request):
        local.request = request
        yield

    monkeypatch.setattr(tracking, "bound_request", bound_request)
    monkeypatch.setattr(
        tracking, "current_user", lambda: _current_user_of(getattr(local, "request", None))
    )


@pytest.mark.parametrize("state", ["global_request_state", "thread_local_request_state"])
def test_the_wsgi_scenario_catches_state_shared_between_requests(state, request):
    request.getfixturevalue(state)
    assert wsgi_scenario() != []


@pytest.mark.parametrize("route", ["async-pause", "pause"])
@pytest.mark.parametrize("state", ["global_request_state", "thread_local_request_state"])
def test_the_asgi_scenario_catches_state_shared_between_requests(state, route, request):
    request.getfixturevalue(state)
    assert asgi_scenario(route) != []
