"""How events reach the database: the values tsunami prepares, and PostgreSQL's insert function."""

import datetime
import decimal
import json
import uuid
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.db.models import signals
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from tests.testapp.models import Book, Car, Cylinder, Engine, Tag, Ticket
from tsunami import storage
from tsunami.models import Event, EventAggregate
from tsunami.tracking import acting_user, suspend

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's insert function"
)


@pytest.fixture
def car(db):
    with suspend():
        return Car.objects.create(manufacturer="Ford")


@pytest.fixture
def without_function(db):
    """Drop the function (inside the test's transaction) and forget that it was there."""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP FUNCTION "{storage.FUNCTION}"')
    storage._has_function.pop(connection.alias, None)
    yield
    storage._has_function.pop(connection.alias, None)


def orm_values(event):
    """Return the event's column values as the ORM's own insert would prepare them."""
    fields = [Event._meta.get_field(column) for column in storage._EVENT_COLUMNS]
    if event.pk is not None:
        fields.insert(0, Event._meta.pk)
    return [field.get_db_prep_save(field.pre_save(event, True), connection) for field in fields]


def comparable(value):
    # A prepared JSON document is text here, and in the ORM the wrapper of psycopg 3
    # (Jsonb.obj) or of psycopg2 (Json.adapted).
    for wrapped in ("obj", "adapted"):
        if hasattr(value, wrapped):
            value = json.dumps(getattr(value, wrapped), cls=DjangoJSONEncoder)
    if isinstance(value, str) and value[:1] in "{[":
        return json.loads(value)
    return value


@pytest.mark.parametrize("with_pk", [False, True])
def test_prepared_values_are_the_orms(car, user, with_pk):
    event = Event(
        pk=987654 if with_pk else None,
        event_type="orders.shipped",
        target=car,
        data={"when": datetime.date(2024, 5, 17), "price": decimal.Decimal("1.50"), "n": [1, "é"]},
        previous_data={"id": uuid.UUID(int=7)},
        user=user,
        created_at=timezone.now(),
    )
    ours = storage._values(event, connection)
    assert [comparable(value) for value in ours] == [
        comparable(value) for value in orm_values(event)
    ]
    assert ours[-4] == json.dumps(event.data, cls=Event._meta.get_field("data").encoder)


def test_a_custom_event_with_its_own_primary_key_keeps_it(car):
    event = Event.objects.create(pk=424242, event_type="orders.shipped", target=car, data={})
    assert Event.objects.get(pk=424242).target_id == str(car.pk)
    assert list(event.aggregates.values_list("aggregate_id", flat=True)) == [str(car.pk)]


@postgresql_only
def test_postgresql_writes_the_event_and_every_aggregate_with_one_call(car):
    engine = Engine.objects.create(car=car)
    ContentType.objects.get_for_models(Car, Engine, Cylinder)
    with CaptureQueriesContext(connection) as queries:
        cylinder = Cylinder.objects.create(engine=engine, bore=80)
    (_, call) = [query["sql"] for query in queries.captured_queries]
    assert call.startswith(f'SELECT "{storage.FUNCTION}"(')
    event = Event.objects.for_target(cylinder).get()
    assert sorted(event.aggregates.values_list("aggregate_ctype__model", "aggregate_id")) == [
        ("car", str(car.pk)),
        ("cylinder", str(cylinder.pk)),
        ("engine", str(engine.pk)),
    ]
    assert set(event.aggregates.values_list("created_at", flat=True)) == {event.created_at}


@postgresql_only
def test_without_the_function_postgresql_writes_the_same_rows_with_one_insert(
    car, without_function
):
    engine = Engine.objects.create(car=car)
    ContentType.objects.get_for_models(Car, Engine, Cylinder)
    with CaptureQueriesContext(connection) as queries:
        cylinder = Cylinder.objects.create(engine=engine, bore=80)
    assert storage._has_function[connection.alias] is False
    (_, insert) = [query["sql"] for query in queries.captured_queries]
    assert insert.startswith("WITH new_event AS (INSERT INTO")
    event = Event.objects.for_target(cylinder).get()
    assert event.data == {"engine": engine.pk, "bore": "80"}
    assert event.aggregates.count() == 3


@postgresql_only
def test_the_function_is_made_after_migrate(without_function):
    assert storage.has_function(connection) is False
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    assert storage._has_function[connection.alias] is True
    storage._has_function.pop(connection.alias)
    assert storage.has_function(connection) is True


class NoTsunamiHere:
    def allow_migrate(self, db, app_label, **hints):
        return app_label != "tsunami"


@postgresql_only
def test_the_function_is_only_made_where_tsunami_is_migrated(without_function):
    with override_settings(DATABASE_ROUTERS=[NoTsunamiHere()]):
        storage.install_function(using=connection.alias)
    assert storage.has_function(connection) is False


@postgresql_only
def test_a_function_that_cannot_be_made_is_a_warning_and_events_still_work(
    car, without_function, monkeypatch
):
    monkeypatch.setattr(storage, "function_sql", lambda connection: "CREATE FUNCTION (")
    with pytest.warns(RuntimeWarning, match="could not create its PostgreSQL function"):
        storage.install_function(using=connection.alias)
    assert connection.alias not in storage._has_function
    car.manufacturer = "VW"
    car.save()
    assert Event.objects.for_target(car).get().data == {"manufacturer": "VW"}


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL has the function")
def test_other_databases_get_no_function(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        storage.install_function(using=connection.alias)
    assert connection.alias not in storage._has_function


@postgresql_only
def test_an_aggregate_the_function_cannot_write_leaves_no_event(car, monkeypatch):
    # The event row goes in, then the aggregate's id is too long for its column: the
    # whole call fails, as one statement does.
    engine = Engine.objects.create(car=car)
    monkeypatch.setattr(Engine, "get_event_aggregates", lambda self: (Car(pk="9" * 300),))
    events = Event.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.create(event_type="engines.tuned", target=engine, data={})
    assert Event.objects.count() == events
    assert not EventAggregate.objects.filter(aggregate_id="9" * 300).exists()


# Automatic events without an Event instance: when nothing listens to Event's signals.

EVENT_SIGNALS = {
    "pre_init": signals.pre_init,
    "post_init": signals.post_init,
    "pre_save": signals.pre_save,
    "post_save": signals.post_save,
}


def changes_of_every_kind(user):
    """Create, update (to a type of its own), aggregate, add to m2m, delete.

    Returns the events' rows and how many ``Event`` instances the changes built.
    """
    before = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    built = []
    original = Event.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    with acting_user(user), mock.patch.object(Event, "__init__", counting_init):
        car = Car.objects.create(manufacturer="Ford")
        engine = Engine.objects.create(car=car, num_cylinders=6)
        Cylinder.objects.create(engine=engine, bore=decimal.Decimal("80.5"))
        ticket = Ticket.objects.create()
        ticket.status = "closed"
        ticket.save()
        book = Book.objects.create(
            title="Dune", published=datetime.date(1965, 8, 1), reference=uuid.UUID(int=7)
        )
        book.tags.add(Tag.objects.create(name="sf"))
        engine.delete()
    return len(built), [
        (
            event.event_type,
            event.target_ctype_id,
            event.target_id,
            event.data,
            event.previous_data,
            event.user_id,
            sorted(event.aggregates.values_list("aggregate_ctype", "aggregate_id", "created_at")),
            event.aggregates.get(
                aggregate_ctype=event.target_ctype_id, aggregate_id=event.target_id
            ).created_at
            == event.created_at,
        )
        for event in Event.objects.filter(id__gt=before).order_by("id")
    ]


@pytest.mark.django_db(transaction=True)
def test_an_unobserved_event_is_written_without_an_instance(user):
    assert storage.is_observed() is False
    built, rows = changes_of_every_kind(user)
    assert built == 0
    assert [row[0] for row in rows] == [
        "testapp.car.created",
        "testapp.engine.created",
        "testapp.cylinder.created",
        "testapp.ticket.created",
        "tickets.closed",
        "testapp.book.created",
        "testapp.tag.created",
        "testapp.book.updated",
        "testapp.cylinder.deleted",
        "testapp.engine.deleted",
    ]
    assert all(row[5] == user.pk and row[7] for row in rows)
    assert rows[2][3]["bore"] == "80.5"
    assert len(rows[2][6]) == 3  # the cylinder, its engine and the engine's car
    assert rows[4][4] == {"status": "open"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signal", list(EVENT_SIGNALS))
def test_a_listener_of_any_event_signal_gets_instances_and_the_same_rows(user, signal):
    _, unobserved = changes_of_every_kind(user)
    seen = []

    def listener(sender, **kwargs):
        seen.append(sender)

    EVENT_SIGNALS[signal].connect(listener, sender=Event)
    try:
        assert storage.is_observed() is True
        built, observed = changes_of_every_kind(user)
    finally:
        EVENT_SIGNALS[signal].disconnect(listener, sender=Event)
    # One instance per event, each signalled; the init signals also see the rows read back.
    assert built == len(observed)
    assert len(seen) == len(observed) * (1 if signal.endswith("save") else 2)
    assert [_shape(row) for row in observed] == [_shape(row) for row in unobserved]


def _shape(row):
    """A row without the primary keys and times that differ between two runs."""
    event_type, _, _, data, previous, user_id, aggregates, same_time = row
    keys = {"car": type, "engine": type, "tags": len}
    data = {key: keys.get(key, _same)(value) for key, value in data.items()}
    return event_type, data, previous, user_id, len(aggregates), same_time


def _same(value):
    return value


def test_observation_is_asked_of_the_signals_without_their_cache(monkeypatch):
    # As on a Django without the cache's "no receivers" mark.
    monkeypatch.setattr(storage, "_NO_RECEIVERS", object())
    assert storage.is_observed() is False

    def listener(sender, **kwargs):
        pass

    signals.post_init.connect(listener, sender=Event)
    try:
        assert storage.is_observed() is True
    finally:
        signals.post_init.disconnect(listener, sender=Event)
    assert storage.is_observed() is False
