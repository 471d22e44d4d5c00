import gc

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save

from tests.testapp.models import Car
from tsunami.helpers import event_listener, model_event_listener
from tsunami.models import Event


@pytest.fixture
def received():
    calls = []
    connected = []

    def connect(receiver):
        connected.append(receiver)
        return receiver

    yield calls, connect
    for receiver in connected:
        post_save.disconnect(receiver, sender=Event)


@pytest.mark.django_db
def test_seed_readme_listener_examples_are_equivalent(received):
    calls, keep = received

    @keep
    @event_listener("auth.user.created", "auth.user.updated")
    def using_event_listener(event):
        calls.append(("event_listener", event.event_type))

    @keep
    @model_event_listener(get_user_model(), ["created", "updated"])
    def using_model_event_listener(event):
        calls.append(("model_event_listener", event.event_type))

    user = get_user_model().objects.create_user("x")
    user.email = "x@example.com"
    user.save()
    user.delete()
    assert sorted(calls) == [
        ("event_listener", "auth.user.created"),
        ("event_listener", "auth.user.updated"),
        ("model_event_listener", "auth.user.created"),
        ("model_event_listener", "auth.user.updated"),
    ]


@pytest.mark.django_db
def test_listeners_see_the_aggregates_and_fire_once_per_event(received):
    calls, keep = received

    @keep
    @event_listener("testapp.*")
    def listener(event):
        calls.append((event.event_type, event.aggregates.count()))

    car = Car.objects.create(manufacturer="a")
    car.manufacturer = "b"
    car.save()
    assert calls == [("testapp.car.created", 1), ("testapp.car.updated", 1)]


@pytest.mark.django_db
def test_glob_and_exact_types_mix(received):
    calls, keep = received

    @keep
    @event_listener("testapp.car.created", "auth.*.updated")
    def listener(event):
        calls.append(event.event_type)

    car = Car.objects.create(manufacturer="a")
    car.manufacturer = "b"
    car.save()
    user = get_user_model().objects.create_user("y")
    user.first_name = "Y"
    user.save()
    assert calls == ["testapp.car.created", "auth.user.updated"]


@pytest.mark.django_db
def test_connect_kwargs_are_passed_and_the_wrapper_is_returned(received):
    calls, keep = received

    def make():
        @event_listener("testapp.car.created", dispatch_uid="tsunami-test-uid")
        def listener(event):
            calls.append(event.event_type)

        return listener

    first = keep(make())
    keep(make())  # the same dispatch_uid: connected once
    Car.objects.create(manufacturer="a")
    assert calls == ["testapp.car.created"]
    assert callable(first)


@pytest.mark.django_db
def test_weak_listeners_live_as_long_as_the_returned_wrapper():
    calls = []

    @event_listener("testapp.car.created")
    def listener(event):
        calls.append(1)

    Car.objects.create(manufacturer="a")
    del listener
    gc.collect()
    Car.objects.create(manufacturer="b")
    assert calls == [1]


@pytest.mark.django_db(transaction=True)
def test_on_commit_listeners_run_after_commit_and_never_for_a_rollback(received):
    calls, keep = received

    @keep
    @event_listener("testapp.car.*", on_commit=True)
    def listener(event):
        calls.append(event.data["manufacturer"])

    with transaction.atomic():
        Car.objects.create(manufacturer="kept")
        assert calls == []
    assert calls == ["kept"]
    with pytest.raises(RuntimeError), transaction.atomic():
        Car.objects.create(manufacturer="rolled back")
        raise RuntimeError
    assert calls == ["kept"]
