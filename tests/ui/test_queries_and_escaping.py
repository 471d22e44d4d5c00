"""Query counts stay constant for a page of 50; stored markup is always escaped."""

import pytest
from django.urls import reverse

from tests.testapp.models import Book, Car, Cylinder, Engine
from tests.ui.conftest import make_event, make_user
from tsunami import tracking
from tsunami.models import Event

pytestmark = pytest.mark.django_db
PAYLOAD = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'
SHORT_PAYLOAD = '<script>document.title="pwned"</script>'  # fits Car.manufacturer


def _populate(count, users):
    with tracking.acting_user(users[0]):
        for index in range(count):
            car = Car.objects.create(manufacturer=f"car {index}")
            engine = Engine.objects.create(car=car)
            Cylinder.objects.create(engine=engine)
            Book.objects.create(title=f"book {index}")
    for index, user in enumerate(users):
        make_event(Car.objects.first(), "shop.visit", data={"n": index}, user=user)


# Exact per-page query counts (session, user, permissions and the page's reads), the same on
# every database: a change that adds a query, or one per row, fails here.
HISTORY_PAGE_QUERIES = 8
EVENT_PAGE_QUERIES = 7
CHART_QUERIES = 4


def _count_queries(client, url, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response


@pytest.mark.parametrize(("who", "expected"), [("root", 8), ("viewer", 10)])
def test_a_page_of_50_events_takes_the_same_queries_at_any_size(
    client, db, who, expected, django_assert_num_queries
):
    if who == "root":
        user = make_user("root", superuser=True)
    else:
        user = make_user(
            "viewer",
            perms=[
                "tsunami.view_event",
                "testapp.view_car",
                "testapp.view_engine",
                "testapp.view_cylinder",
                "testapp.view_book",
            ],
        )
    client.force_login(user)
    users = [make_user(f"u{index}", staff=False) for index in range(3)]
    _populate(15, users)
    small, response = _count_queries(client, "/events/", django_assert_num_queries)
    assert len(response.context["table"].data) == 50
    _populate(60, users)
    large, response = _count_queries(client, "/events/", django_assert_num_queries)
    assert len(response.context["table"].data) == 50
    assert small == large
    # Session, user, (user and group permissions), content types, the events, and one
    # query per target model (car, engine, cylinder, book).
    assert large == expected
    later, _ = _count_queries(
        client, f"/events/?after={response.context['page'].next_cursor}", django_assert_num_queries
    )
    assert later == large


def test_timeline_never_counts_the_whole_table(root_client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _populate(3, [make_user("u", staff=False)])
    with CaptureQueriesContext(connection) as queries:
        root_client.get("/events/")
        root_client.get("/events/", {"type": "testapp.*", "user": "u"})
    sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
    assert "COUNT(" not in sql
    assert "OFFSET" not in sql


def test_history_page_takes_the_same_queries_at_any_size(root_client, db):
    car = Car.objects.create(manufacturer="x")
    engine = Engine.objects.create(car=car)

    def churn(count):
        for index in range(count):
            car.manufacturer = f"m{index}"
            car.save()
            engine.num_cylinders = index
            engine.save()
            Cylinder.objects.create(engine=engine)

    churn(20)
    url = reverse(
        "tsunami:object-history",
        kwargs={"app_label": "testapp", "model_name": "car", "object_id": car.pk},
    )
    small, response = _count_queries(root_client, url, None)
    assert len(response.context["events"]) == 50
    churn(40)
    large, _ = _count_queries(root_client, url, None)
    assert small == large == HISTORY_PAGE_QUERIES


def test_event_page_takes_a_fixed_number_of_queries(root_client, db):
    car = Car.objects.create(manufacturer="x")
    cylinder = Cylinder.objects.create(engine=Engine.objects.create(car=car))
    count, _ = _count_queries(
        root_client, Event.objects.for_target(cylinder).get().get_absolute_url(), None
    )
    assert count == EVENT_PAGE_QUERIES


def test_chart_takes_a_fixed_number_of_queries(root_client, db):
    car = Car.objects.create(manufacturer="x")
    for index in range(30):
        car.manufacturer = f"m{index}"
        car.save()
    count, response = _count_queries(root_client, "/events/chart/?type=testapp.car.*", None)
    assert response.context["chart"].total == 31
    assert count == CHART_QUERIES


def test_script_payloads_are_escaped_everywhere(root_client, db):
    evil_user = make_user(PAYLOAD[:100].replace(" ", ""), staff=False)
    with tracking.acting_user(evil_user):
        car = Car.objects.create(manufacturer=SHORT_PAYLOAD)
        car.manufacturer = SHORT_PAYLOAD + "2"
        car.save()
        book = Book.objects.create(title=PAYLOAD, metadata={PAYLOAD: [PAYLOAD]})
    event = make_event(car, "shop.note", data={PAYLOAD: PAYLOAD * 5})
    urls = [
        "/events/",
        "/events/?user=" + PAYLOAD,
        "/events/chart/",
        "/events/users/?user=",
        event.get_absolute_url(),
        Event.objects.get(event_type="testapp.car.updated").get_absolute_url(),
        reverse(
            "tsunami:object-history",
            kwargs={"app_label": "testapp", "model_name": "car", "object_id": car.pk},
        ),
        reverse(
            "tsunami:object-history",
            kwargs={"app_label": "testapp", "model_name": "book", "object_id": book.pk},
        ),
    ]
    for url in urls:
        content = root_client.get(url).content.decode()
        assert "<script>document" not in content, url
        assert "<img src=x" not in content, url
    content = root_client.get(urls[0]).content.decode()
    assert "&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;" in content
