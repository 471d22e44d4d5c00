"""A world of marked events, the seven roles, and every page of the UI and the admin."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from tests.testapp.models import Book, Car, Engine
from tsunami import tracking
from tsunami.models import Event
from tsunami.paginators import Cursor

CAR_MARK = "carmark7c1"
BOOK_MARK = "bookmark9f2"
ENGINE_MARK = "enginemark3d5"
HTMX = {"HTTP_HX_REQUEST": "true"}

ROLES = (
    "anonymous",
    "inactive staff",
    "active non-staff",
    "staff without permissions",
    "staff with view_event only",
    "staff with view_event and view_car",
    "superuser",
)
_PERMS = ("tsunami.view_event", "testapp.view_car")


@dataclass
class World:
    car: Car
    book: Book
    car_event: Event
    book_event: Event
    engine_event: Event


def make_world() -> World:
    """Cars, books and an engine whose events carry a marker of their model.

    The markers are in event data and object names; the engine's event is also part of the
    car's history, through the engine's aggregates.
    """
    actor = _user("actor", staff=False)
    with tracking.acting_user(actor):
        car = Car.objects.create(manufacturer=f"Ford {CAR_MARK}")
        car.manufacturer = f"VW {CAR_MARK}"
        car.save()
        engine = Engine.objects.create(car=car)  # its events are in the car's history too
        book = Book.objects.create(title=f"Dune {BOOK_MARK}", metadata={BOOK_MARK: BOOK_MARK})
        book.title = f"Emma {BOOK_MARK}"
        book.save()
    car_event = Event.objects.create(
        event_type=f"shop.{CAR_MARK}.noted", target=car, data={"n": CAR_MARK}
    )
    book_event = Event.objects.create(
        event_type=f"shop.{BOOK_MARK}.noted", target=book, data={BOOK_MARK: BOOK_MARK}
    )
    engine_event = Event.objects.create(
        event_type=f"shop.{ENGINE_MARK}.noted", target=engine, data={"n": ENGINE_MARK}
    )
    return World(car, book, car_event, book_event, engine_event)


def _user(username, *, staff=True, active=True, superuser=False, perms=()):
    with tracking.suspend():
        user = get_user_model().objects.create_user(
            username,
            f"{username}@example.com",
            "pw",
            is_staff=staff,
            is_active=active,
            is_superuser=superuser,
        )
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return user


def client_for(role: str) -> Client:
    """Return a client logged in as a new user of ``role``."""
    client = Client()
    users = {
        "anonymous": None,
        "inactive staff": lambda: _user("inactive", active=False, perms=_PERMS),
        "active non-staff": lambda: _user("nonstaff", staff=False, perms=_PERMS),
        "staff without permissions": lambda: _user("noperms"),
        "staff with view_event only": lambda: _user("eventsonly", perms=_PERMS[:1]),
        "staff with view_event and view_car": lambda: _user("carviewer", perms=_PERMS),
        "superuser": lambda: _user("root", superuser=True),
    }
    make = users[role]
    if make is not None:
        client.force_login(make())
    return client


def _cursor_after(event: Event) -> str:
    # A page that starts just after this event, and so holds it and every older event.
    later = event.created_at + datetime.timedelta(seconds=1)
    return Cursor(later, event.pk).encode()


def pages(world: World) -> list[tuple[str, str, dict[str, str]]]:
    """Return ``(name, url, headers)`` of every page: the timeline UI with its htmx partials,
    and the admin's event pages and object histories."""
    car_type = ContentType.objects.get_for_model(Car)
    book_type = ContentType.objects.get_for_model(Book)

    def history(obj):
        model = obj._meta.model_name
        return f"/events/history/testapp/{model}/{obj.pk}/"

    def target(name):
        return {**HTMX, "HTTP_HX_TARGET": name}

    return [
        ("timeline", "/events/", {}),
        ("timeline partial", "/events/", target("tsunami-results")),
        ("timeline of books", "/events/?model=testapp.book", {}),
        ("timeline of a book", f"/events/?aggregate=testapp.book:{world.book.pk}", {}),
        ("timeline of book types", "/events/?type=testapp.book.*&type=shop.*", {}),
        ("timeline page after", f"/events/?after={_cursor_after(world.book_event)}", {}),
        ("chart", "/events/chart/", {}),
        ("chart partial", "/events/chart/", target("tsunami-chart")),
        ("chart of books", "/events/chart/?model=testapp.book", target("tsunami-chart")),
        ("user suggestions", "/events/users/?user=a", target("tsunami-user-options")),
        ("car event", f"/events/{world.car_event.pk}/", {}),
        ("book event", f"/events/{world.book_event.pk}/", {}),
        ("engine event", f"/events/{world.engine_event.pk}/", {}),
        ("car history", history(world.car), {}),
        ("car history partial", history(world.car), target("tsunami-history-events")),
        ("book history", history(world.book), {}),
        ("book history partial", history(world.book), target("tsunami-history-events")),
        ("admin events", "/admin/tsunami/event/", {}),
        ("admin events of books", f"/admin/tsunami/event/?target_ctype={book_type.pk}", {}),
        ("admin events of cars", f"/admin/tsunami/event/?target_ctype={car_type.pk}", {}),
        ("admin event search", "/admin/tsunami/event/?q=Emma", {}),
        ("admin car event", f"/admin/tsunami/event/{world.car_event.pk}/change/", {}),
        ("admin book event", f"/admin/tsunami/event/{world.book_event.pk}/change/", {}),
        ("admin book event history", f"/admin/tsunami/event/{world.book_event.pk}/history/", {}),
        ("admin car history", f"/admin/testapp/car/{world.car.pk}/history/", {}),
        ("admin book history", f"/admin/testapp/book/{world.book.pk}/history/", {}),
    ]
