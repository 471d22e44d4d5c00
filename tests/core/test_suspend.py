import asyncio
import threading

import pytest
from django.db.models.signals import post_save

from tests.testapp.models import Car
from tsunami.models import Event
from tsunami.tracking import is_suspended, mutable_signal_receiver, mute_signals_for, suspend

pytestmark = pytest.mark.django_db


def test_suspend_stops_automatic_events_and_nests():
    with suspend():
        car = Car.objects.create(manufacturer="a")
        with suspend():
            car.manufacturer = "b"
            car.save()
        car.manufacturer = "c"
        car.save()
    car.manufacturer = "d"
    car.save()
    assert [e.data for e in Event.objects.all()] == [{"manufacturer": "d"}]
    assert Event.objects.get().previous_data == {"manufacturer": "c"}


def test_suspend_still_allows_custom_events():
    with suspend():
        car = Car.objects.create(manufacturer="a")
        Event.objects.create(event_type="cars.custom", target=car)
    assert Event.objects.get().event_type == "cars.custom"


def test_suspend_decorates_sync_and_async_functions():
    @suspend()
    def create():
        return Car.objects.create(manufacturer="a")

    @suspend()
    async def check():
        return is_suspended()

    create()
    assert not Event.objects.exists()
    assert asyncio.run(check()) is True
    assert not is_suspended()


def test_suspend_in_one_thread_does_not_suspend_another():
    inside = threading.Event()
    release = threading.Event()
    seen = []

    def suspended_worker():
        with suspend():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=suspended_worker)
    thread.start()
    inside.wait(5)
    seen.append(is_suspended())
    release.set()
    thread.join()
    assert seen == [False]


def test_suspend_in_one_task_does_not_suspend_another():
    async def suspended():
        with suspend():
            await asyncio.sleep(0.02)
            return is_suspended()

    async def other():
        await asyncio.sleep(0.01)
        return is_suspended()

    async def run():
        return await asyncio.gather(suspended(), other())

    assert asyncio.run(run()) == [True, False]


def test_mute_signals_for_silences_tsunami_and_wrapped_receivers_for_those_instances():
    calls = []

    @mutable_signal_receiver
    def receiver(sender, instance, **kwargs):
        calls.append(instance.manufacturer)

    post_save.connect(receiver, sender=Car)
    try:
        muted = Car.objects.create(manufacturer="muted")
        with mute_signals_for(muted):
            muted.manufacturer = "still muted"
            muted.save()
            Car.objects.create(manufacturer="loud")
        muted.manufacturer = "heard"
        muted.save()
    finally:
        post_save.disconnect(receiver, sender=Car)
    assert calls == ["muted", "loud", "heard"]
    assert [e.data for e in Event.objects.order_by("id")] == [
        {"manufacturer": "muted"},
        {"manufacturer": "loud"},
        {"manufacturer": "heard"},
    ]
    assert not hasattr(muted, "_mute_signals")
