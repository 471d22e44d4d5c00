"""Views of the reliability tests: fault operations and user attribution under load."""

import asyncio
import contextlib
import threading
import time

from django.http import HttpResponse
from django.urls import path

from tests.reliability import faults
from tests.testapp.models import Car


def run_operation(request, name):
    faults.OPERATIONS[name][0](faults.current_world)
    return HttpResponse("done")


class Load:
    """How the attribution views make concurrent requests overlap."""

    barrier: threading.Barrier | None = None
    # SQLite takes one writer at a time.
    write_lock: contextlib.AbstractContextManager = contextlib.nullcontext()


def _rename(pk, request):
    car = Car.objects.get(pk=pk)
    car.manufacturer = f"renamed by request {request.path}"
    car.save()


def rename_in_wave(request, pk):
    """Wait until every request of the wave is inside its middleware, then save."""
    Load.barrier.wait(timeout=20)
    with Load.write_lock:
        _rename(pk, request)
    Load.barrier.wait(timeout=20)  # no request of the next wave reads while one writes
    return HttpResponse("ok")


def rename_after_a_pause(request, pk):
    """A sync view under ASGI: the other requests' middleware runs while this one sleeps."""
    time.sleep(0.02)
    _rename(pk, request)
    return HttpResponse("ok")


async def async_rename_after_a_pause(request, pk):
    """Let every other request enter its middleware before saving."""
    await asyncio.sleep(0.05)
    car = await Car.objects.aget(pk=pk)
    car.manufacturer = f"renamed by request {request.path}"
    await car.asave()
    return HttpResponse("ok")


urlpatterns = [
    path("operations/<str:name>/", run_operation),
    path("wave/<int:pk>/", rename_in_wave),
    path("pause/<int:pk>/", rename_after_a_pause),
    path("async-pause/<int:pk>/", async_rename_after_a_pause),
]
