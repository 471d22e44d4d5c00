"""User attribution under load, through the real WSGI and ASGI handlers.

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
from django.db import connection, connections
from django.test import AsyncClient, Client

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
            client = Client()
            user = None
            if (thread + wave) % THREADS:  # one anonymous request in each wave
                user = User.objects.create_user(f"user-{thread}-{wave}")
                client.force_login(user)
            requests.append((client, car))
            expected.append((car, user))
        after = cars[THREADS * WAVES + thread]
        expected.append((after, None))
        plans.append((requests, after))
    Load.barrier = threading.Barrier(THREADS)
    Load.write_lock = (
        threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    )
    errors = []

    def run(requests, after):
        try:
            for client, car in requests:
                assert client.post(f"/wave/{car.pk}/").status_code == 200
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

    async def run():
        clients = []
        for user in users:
            client = AsyncClient()
            if user is not None:
                await client.aforce_login(user)
            clients.append(client)
        try:
            return await asyncio.gather(
                *(
                    client.post(f"/{route}/{car.pk}/")
                    for client, car in zip(clients, cars, strict=True)
                )
            )
        finally:
            await sync_to_async(connections.close_all)()

    responses = asyncio.run(run())
    assert [r.status_code for r in responses] == [200] * ASYNC_REQUESTS
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
