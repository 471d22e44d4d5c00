"""The lazily loaded activity chart and the user type-ahead."""

import datetime

import pytest
from django.urls import reverse

from tests.testapp.models import Car
from tests.ui.conftest import make_event, make_user
from tsunami import charts
from tsunami.models import Event

pytestmark = pytest.mark.django_db
CHART = "/events/chart/"


def test_chart_url():
    assert reverse("tsunami:chart") == CHART


def test_timeline_loads_the_chart_lazily_with_the_current_filters(root_client, garage):
    content = root_client.get("/events/", {"user": "bob"}).content.decode()
    assert 'hx-get="/events/chart/" hx-include="#tsunami-filters"' in content
    assert 'hx-trigger="load, change from:#tsunami-filters' in content
    assert "<svg" not in content  # drawn by a later request, never delaying the table


def test_chart_htmx_request_returns_an_svg_fragment(root_client, garage):
    response = root_client.get(CHART, headers={"HX-Request": "true", "HX-Target": "tsunami-chart"})
    content = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "tsunami/partials/chart.html"
    assert content.lstrip().startswith("<figure") or "<svg" in content
    assert "<html" not in content
    assert 'role="img"' in content
    assert content.count('class="tsunami-chart-bar"') == 1
    assert "HX-Request" in response["Vary"]


def test_chart_without_htmx_is_a_page(root_client, garage):
    response = root_client.get(CHART)
    assert response.templates[0].name == "tsunami/chart.html"
    assert "<svg" in response.content.decode()


def test_chart_counts_the_filtered_events(root_client, garage):
    chart = root_client.get(CHART, {"user": "bob"}).context["chart"]
    assert chart.total == Event.objects.filter(user__username="bob").count() == 4


def test_chart_buckets_follow_the_time_range(root_client, db, now):
    car = Car.objects.create(manufacturer="x")
    for days in (1, 1, 3, 40):
        make_event(car, "shop.tick", at=now - datetime.timedelta(days=days, hours=1))
    since = (now - datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S")
    chart = root_client.get(CHART, {"type": "shop.tick", "since": since}).context["chart"]
    assert chart.total == 3
    assert chart.bucket == datetime.timedelta(hours=6)
    assert sorted(bar.count for bar in chart.bars if bar.count) == [1, 2]
    assert chart.peak == 2


def test_chart_rejects_invalid_filters(root_client, db):
    response = root_client.get(CHART, {"since": "soon"})
    assert response.status_code == 400
    assert "Enter a valid date/time" in response.content.decode()
    assert response.context["chart"] is None


def test_activity_counts_each_event_in_exactly_one_bucket(db, now):
    car = Car.objects.create(manufacturer="x")
    for minutes in range(0, 600, 7):
        make_event(car, "shop.tick", at=now - datetime.timedelta(minutes=minutes))
    chart = charts.activity(
        Event.objects.filter(event_type="shop.tick"),
        since=now - datetime.timedelta(hours=10, minutes=1),
        until=now + datetime.timedelta(seconds=1),
        now=now,
    )
    assert chart.total == Event.objects.filter(event_type="shop.tick").count()
    assert len(chart.bars) <= charts.MAX_BUCKETS
    assert chart.bars[0].start == chart.start
    assert chart.bars[-1].end == chart.end
    assert all(0 <= bar.height <= charts.HEIGHT for bar in chart.bars)


def test_bucket_width_for_long_spans():
    assert charts.bucket_width(datetime.timedelta(hours=1)) == datetime.timedelta(minutes=1)
    assert charts.bucket_width(datetime.timedelta(days=3000)) == datetime.timedelta(days=365)
    huge = datetime.timedelta(days=365 * 1000)
    assert charts.bucket_width(huge) == huge / charts.MAX_BUCKETS


def test_an_inverted_window_falls_back_to_the_default_span(db, now):
    chart = charts.activity(Event.objects.all(), since=now, until=now, now=now)
    assert chart.end - chart.start == charts.DEFAULT_SPAN


def test_user_suggestions_match_the_username_prefix(root_client, garage):
    make_user("bobby", staff=False)  # no events: not suggested
    response = root_client.get(reverse("tsunami:user-suggestions"), {"user": "BO"})
    assert response.status_code == 200
    assert response.content.decode().strip() == '<option value="bob">bob</option>'
    assert "no-store" in response["Cache-Control"]
    assert "HX-Request" in response["Vary"]


def test_user_suggestions_are_limited(root_client, db):
    car = Car.objects.create(manufacturer="x")
    for index in range(25):
        make_event(car, data={}, user=make_user(f"user{index:02}", staff=False))
    content = root_client.get(reverse("tsunami:user-suggestions"), {"user": "user"}).content
    assert content.count(b"<option") == 20


def test_user_suggestions_ignore_null_characters(root_client, garage):
    response = root_client.get(reverse("tsunami:user-suggestions"), {"user": "b\x00"})
    assert response.status_code == 200
    assert b"<option" not in response.content


def test_user_suggestions_are_a_fixed_small_number_of_queries(
    root_client, garage, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        root_client.get(reverse("tsunami:user-suggestions"), {"user": "a"})


def test_a_single_event_next_to_a_busy_bucket_stays_visible(db, now):
    car = Car.objects.create(manufacturer="x")
    for _ in range(200):
        make_event(car, "shop.tick", at=now - datetime.timedelta(hours=1))
    make_event(car, "shop.tick", at=now - datetime.timedelta(days=5))
    chart = charts.activity(
        Event.objects.filter(event_type="shop.tick"), since=None, until=None, now=now
    )
    heights = sorted(bar.height for bar in chart.bars if bar.count)
    assert heights[0] == 2
    assert heights[-1] == charts.HEIGHT - 4
