"""The activity chart: events per time bucket, drawn as SVG by a template."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from tsunami.models import Event

#: Bucket widths tried from the narrowest; the first giving at most ``MAX_BUCKETS`` wins.
BUCKET_WIDTHS = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=10),
    datetime.timedelta(hours=1),
    datetime.timedelta(hours=6),
    datetime.timedelta(days=1),
    datetime.timedelta(days=7),
    datetime.timedelta(days=30),
    datetime.timedelta(days=365),
)
MAX_BUCKETS = 60
DEFAULT_SPAN = datetime.timedelta(days=30)
WIDTH, HEIGHT = 600, 120


@dataclass(frozen=True)
class Bar:
    """One bucket of the chart and where its bar is drawn."""

    start: datetime.datetime
    end: datetime.datetime
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    """Bars of events per bucket between ``start`` and ``end``."""

    start: datetime.datetime
    end: datetime.datetime
    bucket: datetime.timedelta
    bars: list[Bar]
    total: int
    peak: int
    width: int = WIDTH
    height: int = HEIGHT


def bucket_width(span: datetime.timedelta) -> datetime.timedelta:
    """Return the narrowest bucket width that splits ``span`` into at most MAX_BUCKETS."""
    for width in BUCKET_WIDTHS:
        if span / width <= MAX_BUCKETS:
            return width
    return span / MAX_BUCKETS


def activity(
    queryset: QuerySet[Event],
    *,
    since: datetime.datetime | None,
    until: datetime.datetime | None,
    now: datetime.datetime,
    time_field: str = "created_at",
) -> Chart:
    """Count the events of ``queryset`` per bucket in one query; the window defaults to 30 days.

    ``time_field`` is the events' time, or a copy of it that an index of the filter covers.
    """
    end = until or now
    start = since or end - DEFAULT_SPAN
    if start >= end:
        start = end - DEFAULT_SPAN
    width = bucket_width(end - start)
    count = -(-(end - start) // width)
    # Buckets end at ``end`` so that the latest one is complete up to now.
    edges = [end - width * (count - index) for index in range(count + 1)]
    edges[0] = max(edges[0], start)
    aggregates = {
        f"b{index}": Count(
            "pk",
            filter=Q(**{f"{time_field}__gte": edges[index], f"{time_field}__lt": edges[index + 1]}),
        )
        for index in range(count)
    }
    window = {f"{time_field}__gte": start, f"{time_field}__lt": end}
    counts = queryset.filter(**window).aggregate(**aggregates)
    values = [counts[f"b{index}"] or 0 for index in range(count)]
    peak = max(values, default=0)
    slot = WIDTH / count
    bars = []
    for index, value in enumerate(values):
        height = (HEIGHT - 4) * value / peak if peak else 0
        if value and height < 2:
            height = 2
        bars.append(
            Bar(
                edges[index],
                edges[index + 1],
                value,
                round(index * slot + 1, 2),
                round(HEIGHT - height, 2),
                round(max(slot - 2, 1), 2),
                round(height, 2),
            )
        )
    return Chart(start, end, width, bars, sum(values), peak)
