import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.testapp.models import Car, Engine, Untracked
from tsunami import storage
from tsunami.models import Event, EventAggregate
from tsunami.tracking import suspend


@pytest.fixture
def car(db):
    with suspend():
        return Car.objects.create(manufacturer="Ford")


@pytest.fixture
def failing_aggregates():
    def fail(execute, sql, params, many, context):
        writes_aggregates = "tsunami_eventaggregate" in sql or storage.FUNCTION in sql
        if writes_aggregates and sql.lstrip().upper().startswith(("INSERT", "WITH", "SELECT")):
            raise DatabaseError("simulated failure while writing aggregates")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield


def sql(queries):
    return [q["sql"] for q in queries.captured_queries]


def test_a_tracked_save_adds_exactly_the_event_and_aggregate_inserts(car):
    with suspend(), CaptureQueriesContext(connection) as plain:
        car.manufacturer = "plain"
        car.save()
    Car.objects.create(manufacturer="warm-up")  # content types are cached from now on
    with CaptureQueriesContext(connection) as tracked:
        car.manufacturer = "tracked"
        car.save()
    assert len(plain) == 1
    added = sql(tracked)[1:]
    if connection.vendor == "postgresql":
        # One round trip: the event and its aggregates in one call of tsunami's function.
        (statement,) = added
        assert statement.startswith(f'SELECT "{storage.FUNCTION}"(')
    else:
        event_insert, aggregate_insert = added
        assert event_insert.startswith("INSERT") and "tsunami_event" in event_insert
        assert (
            aggregate_insert.startswith("INSERT") and "tsunami_eventaggregate" in aggregate_insert
        )
    assert not any("SAVEPOINT" in s or "django_content_type" in s for s in sql(tracked))


def test_a_tracked_create_and_delete_add_two_inserts_each(db):
    Car.objects.create(manufacturer="warm-up")
    with CaptureQueriesContext(connection) as created:
        car = Car.objects.create(manufacturer="a")
    with CaptureQueriesContext(connection) as untracked:
        Untracked.objects.create(name="a")
    statements_per_event = 1 if connection.vendor == "postgresql" else 2
    assert len(created) == len(untracked) + statements_per_event
    with suspend(), CaptureQueriesContext(connection) as plain_delete:
        Car.objects.create(manufacturer="b").delete()
    with CaptureQueriesContext(connection) as tracked_delete:
        car.delete()
    # The suspended run also created the car (1 query); the tracked delete adds the event.
    assert len(tracked_delete) == len(plain_delete) - 1 + statements_per_event


def test_saving_an_unchanged_instance_costs_nothing_extra(car, django_assert_num_queries):
    with django_assert_num_queries(1):
        car.save()


@pytest.mark.django_db
def test_a_failure_writing_the_event_rolls_back_the_change_inside_atomic(car, failing_aggregates):
    with pytest.raises(DatabaseError), transaction.atomic():
        car.manufacturer = "VW"
        car.save()
    assert Car.objects.get(pk=car.pk).manufacturer == "Ford"
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_failing_get_event_aggregates_writes_nothing(car, monkeypatch):
    def broken(self):
        raise LookupError("broken aggregates")

    monkeypatch.setattr(Engine, "get_event_aggregates", broken)
    with pytest.raises(LookupError), transaction.atomic():
        Engine.objects.create(car=car)
    assert not Engine.objects.exists()
    assert not Event.objects.exists()
    assert not EventAggregate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_mode_the_event_and_its_aggregates_commit_together(car, failing_aggregates):
    car.manufacturer = "VW"
    with pytest.raises(DatabaseError):
        car.save()
    # The change itself was already committed (documented); no half-written event remains.
    assert Car.objects.get(pk=car.pk).manufacturer == "VW"
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.core.urls")
def test_atomic_requests_roll_back_the_change_and_its_event_together(car, user, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    client = Client()
    client.force_login(user)
    with pytest.raises(RuntimeError, match="after saving"):
        client.post(f"/cars/{car.pk}/rename/", {"manufacturer": "VW", "fail": "1"})
    assert Car.objects.get(pk=car.pk).manufacturer == "Ford"
    assert not Event.objects.filter(event_type__startswith="testapp.car").exists()
    assert client.post(f"/cars/{car.pk}/rename/", {"manufacturer": "VW"}).status_code == 200
    assert Event.objects.filter(event_type="testapp.car.updated", user=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_raising_listener_rolls_back_inside_atomic(car):
    from django.db.models.signals import post_save

    from tsunami.helpers import event_listener

    @event_listener("testapp.car.updated")
    def explode(event):
        raise ValueError("listener failed")

    try:
        with pytest.raises(ValueError), transaction.atomic():
            car.manufacturer = "VW"
            car.save()
    finally:
        post_save.disconnect(explode, sender=Event)
    assert Car.objects.get(pk=car.pk).manufacturer == "Ford"
    assert not Event.objects.exists()
