"""The keyset paginator and its cursors."""

import datetime

import pytest

from tests.testapp.models import Car
from tests.ui.conftest import make_event
from tsunami.models import Event, EventAggregate
from tsunami.paginators import Cursor, InvalidCursor, KeysetPaginator

pytestmark = pytest.mark.django_db


def test_cursor_round_trips():
    time = datetime.datetime(2024, 5, 1, 12, 30, 1, 123456, tzinfo=datetime.UTC)
    cursor = Cursor(time, 42)
    assert cursor.encode() == "1714566601123456.42"
    assert Cursor.decode(cursor.encode()) == cursor


def test_cursors_before_1970_round_trip():
    cursor = Cursor(datetime.datetime(1960, 1, 1, tzinfo=datetime.UTC), 1)
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "token",
    [
        "",
        "1",
        "a.b",
        "1.2.3",
        "1.2 ",
        "9" * 20 + ".1",
        "9999999999999999999.1",
        "1.9999999999999999999",
        "1.٣",
    ],
)
def test_malformed_or_out_of_range_cursors_are_refused(token):
    with pytest.raises(InvalidCursor):
        Cursor.decode(token)


def _events(count, now, tie_every=3):
    car = Car.objects.create(manufacturer="x")
    # Several events share a time, so the id must break the ties.
    return car, [
        make_event(car, "shop.tick", at=now - datetime.timedelta(seconds=index // tie_every))
        for index in range(count)
    ]


def test_pages_forward_and_backward_without_gaps_or_duplicates(db, now):
    _events(23, now)
    paginator = KeysetPaginator(Event.objects.filter(event_type="shop.tick"), per_page=5)
    expected = list(Event.objects.filter(event_type="shop.tick").values_list("pk", flat=True))
    pages = [paginator.page()]
    while pages[-1].has_next:
        pages.append(paginator.page(after=pages[-1].next_cursor))
    assert [event.pk for page in pages for event in page] == expected
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert not pages[0].has_previous
    assert pages[0].is_first
    back = paginator.page(before=pages[-1].previous_cursor)
    assert [event.pk for event in back] == [event.pk for event in pages[-2]]
    first = paginator.page(before=pages[1].previous_cursor)
    assert [event.pk for event in first] == [event.pk for event in pages[0]]
    assert not first.has_previous
    assert first.has_next


def test_ascending_order(db, now):
    _events(7, now)
    paginator = KeysetPaginator(
        Event.objects.filter(event_type="shop.tick"), per_page=3, descending=False
    )
    first = paginator.page()
    second = paginator.page(after=first.next_cursor)
    expected = list(
        Event.objects.filter(event_type="shop.tick")
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    assert [e.pk for e in first] + [e.pk for e in second] == expected[:6]


def test_aggregate_rows_page_by_their_event_id(db, now):
    car, events = _events(8, now)
    rows = EventAggregate.objects.filter(aggregate_id=str(car.pk), event__event_type="shop.tick")
    paginator = KeysetPaginator(rows, per_page=5, id_field="event_id")
    first = paginator.page()
    second = paginator.page(after=first.next_cursor)
    assert [row.event_id for row in first] + [row.event_id for row in second] == list(
        Event.objects.filter(event_type="shop.tick").values_list("pk", flat=True)
    )


def test_empty_page_after_the_end(db, now):
    _events(2, now)
    paginator = KeysetPaginator(Event.objects.filter(event_type="shop.tick"), per_page=5)
    page = paginator.page(after=Cursor(now - datetime.timedelta(days=1), 0).encode())
    assert list(page) == []
    assert not page.has_next
    assert not page.has_previous
    assert not page.is_first


def test_after_and_before_together_are_refused(db):
    with pytest.raises(InvalidCursor):
        KeysetPaginator(Event.objects.all()).page(after="1.1", before="1.1")


def test_pages_never_count_or_offset(db, now, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _events(12, now)
    paginator = KeysetPaginator(Event.objects.filter(event_type="shop.tick"), per_page=5)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page()
        paginator.page(after=page.next_cursor)
    sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
    assert len(queries.captured_queries) == 2
    assert "COUNT(" not in sql
    assert "OFFSET" not in sql
