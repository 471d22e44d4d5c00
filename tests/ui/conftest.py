import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tests.testapp.models import Book, Car, Cylinder, Engine
from tsunami import tracking
from tsunami.models import Event

PASSWORD = "pw"


def make_user(username, *, staff=True, superuser=False, perms=()):
    """Create a user without recording events for it (so tests count only their own)."""
    with tracking.suspend():
        user = get_user_model().objects.create_user(
            username,
            f"{username}@example.com",
            PASSWORD,
            is_staff=staff or superuser,
            is_superuser=superuser,
        )
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return get_user_model().objects.get(pk=user.pk)


def make_event(target, event_type=None, *, data=None, previous=None, user=None, at=None):
    """Write an event by hand, at a chosen time."""
    ctype = ContentType.objects.get_for_model(target)
    event = Event(
        event_type=event_type or f"{ctype.app_label}.{ctype.model}.updated",
        target=target,
        data={} if data is None else data,
        previous_data=previous,
        user=user,
    )
    if at is not None:
        event.created_at = at
    event.save()
    return event


@pytest.fixture
def root(db):
    return make_user("root", superuser=True)


@pytest.fixture
def viewer(db):
    """Staff with view_event and the view permission on cars only."""
    return make_user("viewer", perms=["tsunami.view_event", "testapp.view_car"])


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def garage(db):
    """A car with an engine and a cylinder changed by two users, and a book changed by one."""
    alice = make_user("alice", staff=False)
    bob = make_user("bob", staff=False)
    with tracking.acting_user(alice):
        car = Car.objects.create(manufacturer="Toyota")
        engine = Engine.objects.create(car=car, num_cylinders=4)
    with tracking.acting_user(bob):
        car.manufacturer = "Volkswagen"
        car.save()
        cylinder = Cylinder.objects.create(engine=engine, bore="80.50")
        engine.num_cylinders = 6
        engine.save()
        book = Book.objects.create(title="Secret plans", metadata={"pages": 10})
    return {
        "alice": alice,
        "bob": bob,
        "car": car,
        "engine": engine,
        "cylinder": cylinder,
        "book": book,
    }


def spread_events(target, count, *, start=None, step=datetime.timedelta(minutes=1)):
    """Write ``count`` events for ``target`` one ``step`` apart, the newest at ``start``."""
    start = start or timezone.now()
    return [
        make_event(
            target,
            data={"manufacturer": f"v{index}"},
            previous={"manufacturer": f"v{index - 1}"},
            at=start - step * index,
        )
        for index in range(count)
    ]
