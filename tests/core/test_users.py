import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import AsyncClient, Client

from tests.testapp.models import Car
from tsunami import tracking
from tsunami.middleware import user_tracking
from tsunami.models import Event
from tsunami.tracking import acting_user, suspend

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]


@pytest.fixture
def car():
    with suspend():
        return Car.objects.create(manufacturer="Ford")


def car_events():
    return Event.objects.filter(event_type__startswith="testapp.car.").order_by("id")


def test_events_outside_a_request_have_no_user(car):
    car.manufacturer = "VW"
    car.save()
    assert car_events().get().user is None


def test_events_in_a_request_are_attributed_to_the_logged_in_user(car, user):
    client = Client()
    client.force_login(user)
    assert client.post(f"/cars/{car.pk}/rename/", {"manufacturer": "VW"}).status_code == 200
    assert car_events().get().user == user


def test_anonymous_requests_record_no_user(car):
    Client().post(f"/cars/{car.pk}/rename/", {"manufacturer": "VW"})
    assert car_events().get().user is None


def test_a_user_authenticated_inside_the_view_is_recorded(car, user):
    # Token authentication (as in Django REST framework) sets request.user in the view.
    response = Client().post(f"/cars/{car.pk}/rename-late/", {"manufacturer": "VW", "as": "alice"})
    assert response.status_code == 200
    assert car_events().get().user == user


def test_read_only_requests_cost_no_extra_query(car, user, django_assert_num_queries):
    client = Client()
    client.force_login(user)
    client.get(f"/cars/{car.pk}/")  # warm up
    # The session and user are loaded lazily by AuthenticationMiddleware; tsunami resolves the
    # user only when it writes an event, so a logged-in read costs just the view's own query.
    with django_assert_num_queries(1):
        assert client.get(f"/cars/{car.pk}/").content == b"Ford"


@pytest.mark.django_db(transaction=True)
def test_async_requests_are_attributed_to_their_user(car, user):
    async def run():
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get(f"/cars/{car.pk}/async-rename/?manufacturer=VW")
        # The handler's thread opened its own connection; close it before teardown.
        await sync_to_async(lambda: connection.close())()
        return response

    response = asyncio.run(run())
    assert response.status_code == 200
    assert car_events().get().user == user


@pytest.mark.django_db(transaction=True)
def test_a_user_deleting_their_own_account_is_recorded_without_a_foreign_key_error(user):
    client = Client()
    client.force_login(user)
    assert client.post("/me/delete/").status_code == 200
    event = Event.objects.get(event_type="auth.user.deleted")
    assert event.user is None
    assert event.target_id == str(user.pk)
    assert not get_user_model().objects.filter(pk=user.pk).exists()


def test_acting_user_attributes_events_in_scripts(car, user):
    with acting_user(user):
        car.manufacturer = "VW"
        car.save()
    car.manufacturer = "Kia"
    car.save()
    assert [e.user for e in car_events()] == [user, None]


def test_acting_user_none_records_no_user_inside_a_request(car, user):
    request = type("Request", (), {"user": user})()
    with tracking.bound_request(request), acting_user(None):
        car.manufacturer = "VW"
        car.save()
    assert car_events().get().user is None


def test_acting_user_decorates_sync_and_async_functions(car, user):
    @acting_user(user)
    def rename():
        car.manufacturer = "VW"
        car.save()

    @acting_user(user)
    async def who():
        return tracking.current_user()

    rename()
    assert car_events().get().user == user
    assert asyncio.run(who()) == user
    assert tracking.current_user() is None


def test_an_explicit_user_on_a_custom_event_wins(car, user):
    other = get_user_model().objects.create_user("other")
    with acting_user(user):
        event = Event.objects.create(event_type="cars.x", target=car, user=other)
        no_user = Event.objects.create(event_type="cars.y", target=car, user=None)
        default = Event.objects.create(event_type="cars.z", target=car)
    assert event.user == other
    assert no_user.user is None
    assert default.user == user


def test_concurrent_threads_never_see_each_others_user(db):
    users = [get_user_model().objects.create_user(f"u{i}") for i in range(8)]
    seen = {}
    barrier = threading.Barrier(len(users))

    def work(user):
        request = type("Request", (), {"user": user})()
        middleware = user_tracking(lambda req: (barrier.wait(), tracking.current_user())[1])
        seen[user.pk] = middleware(request)

    threads = [threading.Thread(target=work, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {user.pk: user for user in users}
    assert tracking.current_user() is None


def test_concurrent_async_tasks_never_see_each_others_user(db):
    users = [get_user_model().objects.create_user(f"a{i}") for i in range(8)]

    async def handler(request):
        await asyncio.sleep(0.01)  # let every other task enter its request first
        return tracking.current_user()

    async def run():
        middleware = user_tracking(handler)
        requests = [type("Request", (), {"user": user})() for user in users]
        return await asyncio.gather(*(middleware(request) for request in requests))

    assert asyncio.run(run()) == users
