"""A realistic event table filled with SQL, and the UI pages that the scale benchmark reads.

Used by ``tests.bench.ui`` (10k against 1M events) and by ``test_ui_plans`` (EXPLAIN on
~20k events). Needs Django set up with ``tests.settings`` on PostgreSQL.

The table grows the way a real one does: events arrive at a constant rate, so a larger
table holds a longer history, not a denser one. Users, event types and targets are skewed:
a few thousand users of whom one does 5% of the changes, 50 event types of which a handful
are most of the events, and a few hot objects that a quarter of each model's events touch.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

#: Users besides the superuser and the limited staff user.
USERS = 3000
HOT_USER = "user0001"
#: The share of events that touch one of the five hot objects of their model.
HOT_SHARE = 0.25
HOT_OBJECTS = 5
#: Rows of each target model (cylinders: two per engine). Targets beyond them are "deleted".
OBJECTS = 5000
#: The limited staff user sees the events of these models only.
VIEWER_MODELS = ("car", "engine", "cylinder")
EVENT_TABLES = ("tsunami_event", "tsunami_eventaggregate")

# (model, weights of created / updated / deleted)
_MODEL_WEIGHTS = {
    "car": (1.0, 12.0, 0.5),
    "engine": (0.5, 8.0, 0.3),
    "cylinder": (1.0, 8.0, 0.5),
    "book": (1.0, 6.0, 0.5),
    "author": (0.5, 3.0, 0.2),
    "person": (1.0, 5.0, 0.3),
    "club": (0.3, 2.0, 0.1),
    "membership": (1.0, 2.0, 0.8),
    "tag": (0.5, 1.0, 0.3),
    "account": (0.5, 4.0, 0.2),
    "ticket": (2.0, 6.0, 0.2),
    "note": (1.0, 2.0, 1.0),
    "node": (0.3, 1.0, 0.2),
}
# (event type, target model, weight): custom events of the application.
_CUSTOM = [
    ("tickets.closed", "ticket", 3.0),
    ("shop.visit", "car", 4.0),
    ("auth.login", "account", 6.0),
    ("auth.logout", "account", 3.0),
    ("export.csv", "book", 0.5),
    ("invoice.sent", "account", 1.0),
    ("report.viewed", "book", 1.0),
    ("sync.done", "node", 0.5),
    ("mail.sent", "person", 1.5),
    ("club.joined", "club", 0.5),
    ("note.pinned", "note", 0.3),
]
HOT_TYPE = "testapp.car.updated"


def event_types() -> list[tuple[str, str, float]]:
    """Return the 50 event types as ``(type, target model, weight)``."""
    types = [
        (f"testapp.{model}.{action}", model, weight)
        for model, weights in _MODEL_WEIGHTS.items()
        for action, weight in zip(("created", "updated", "deleted"), weights, strict=True)
    ]
    return types + _CUSTOM


def _sql_array(values: list[Any], cast: str) -> str:
    items = ", ".join(f"'{value}'" if isinstance(value, str) else repr(value) for value in values)
    return f"ARRAY[{items}]::{cast}[]"


def create_people_and_objects() -> None:
    """Create the users (one superuser, one limited staff user) and the target objects."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection

    from tsunami import tracking

    user_model = get_user_model()
    with tracking.suspend():
        user_model.objects.create_superuser("root", "root@example.com", "pw")
        viewer = user_model.objects.create_user("viewer", "v@example.com", "pw", is_staff=True)
        perms = [("tsunami", "view_event")] + [("testapp", f"view_{m}") for m in VIEWER_MODELS]
        for app_label, codename in perms:
            viewer.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) "
            "SELECT '!', false, 'user' || lpad(g::text, 4, '0'), '', '', '', false, true, now() "
            f"FROM generate_series(1, {USERS}) g"
        )
        n = OBJECTS
        for table, columns, values in [
            ("testapp_car", "id, manufacturer", "g, 'maker ' || g"),
            ("testapp_engine", "id, car_id, num_cylinders", "g, g, 4"),
            ("testapp_cylinder", "id, engine_id, bore", "g, (g + 1) / 2, 80"),
            ("testapp_author", "id, name", "g, 'author ' || g"),
            ("testapp_person", "id, name", "g, 'person ' || g"),
            ("testapp_club", "id, name", "g, 'club ' || g"),
            ("testapp_tag", "id, name", "g, 'tag ' || g"),
            ("testapp_account", "id, name, api_token, login_count", "g, 'account ' || g, '', 0"),
            ("testapp_ticket", "id, status", "g, 'open'"),
            ("testapp_note", "id, text", "g, 'note ' || g"),
        ]:
            rows = 2 * n if table == "testapp_cylinder" else n
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {values} FROM generate_series(1, {rows}) g"
            )
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {rows})")


def fill_events(count: int, spacing: datetime.timedelta, seed: float = 0.42) -> None:
    """Insert ``count`` events ``spacing`` apart (the newest now) and their aggregates, then
    ``ANALYZE``. Deterministic for a seed."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from tests.testapp import models as testapp

    ctypes = {
        model: ContentType.objects.get_for_model(getattr(testapp, model.capitalize())).pk
        for model in _MODEL_WEIGHTS
    }
    types = event_types()
    total = sum(weight for _, _, weight in types)
    bounds, running = [], 0.0
    for _, _, weight in types[:-1]:
        running += weight / total
        bounds.append(round(running, 6))
    names = [name for name, _, _ in types]
    type_ctypes = [ctypes[model] for _, model, _ in types]
    objects = [2 * OBJECTS if model == "cylinder" else OBJECTS for _, model, _ in types]
    actions = [name.rsplit(".", 1)[-1] for name in names]
    first_user = get_user_model().objects.filter(username__startswith="user").order_by("pk").first()
    assert first_user is not None, "create_people_and_objects() first"
    seconds = spacing.total_seconds()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            f"""
            INSERT INTO tsunami_event
                (event_type, target_ctype_id, target_id, data, previous_data, user_id, created_at)
            SELECT
                ({_sql_array(names, "text")})[k],
                ({_sql_array(type_ctypes, "int")})[k],
                (CASE WHEN hot < {HOT_SHARE} THEN 1 + floor(pick * {HOT_OBJECTS})
                      ELSE 1 + floor(pick * ({_sql_array(objects, "int")})[k]) END)::int::text,
                CASE ({_sql_array(actions, "text")})[k]
                    WHEN 'updated' THEN jsonb_build_object('name', 'value ' || g)
                    WHEN 'created' THEN jsonb_build_object('name', 'value ' || g, 'id', g)
                    WHEN 'deleted' THEN jsonb_build_object('name', 'value ' || g, 'id', g)
                    ELSE jsonb_build_object('n', g) END,
                CASE WHEN ({_sql_array(actions, "text")})[k] = 'updated'
                    THEN jsonb_build_object('name', 'value ' || (g - 1)) END,
                CASE WHEN u < 0.10 THEN NULL
                     WHEN u < 0.15 THEN {first_user.pk}
                     ELSE {first_user.pk} + floor(u2 * {USERS})::int END,
                now() - make_interval(secs => ({count} - g + jitter * 0.99) * {seconds})
            FROM (
                SELECT g, width_bucket(random(), {_sql_array(bounds, "float8")}) + 1 AS k,
                       random() AS hot, random() AS pick, random() AS u, random() AS u2,
                       random() AS jitter
                FROM generate_series(1, {count}) g
            ) r
            """
        )
        car, engine, cylinder = ctypes["car"], ctypes["engine"], ctypes["cylinder"]
        club, person, membership = ctypes["club"], ctypes["person"], ctypes["membership"]
        # Engine n belongs to car n; cylinders 2n-1 and 2n to engine n. A membership
        # aggregates into the club and the person of the same number.
        cursor.execute(
            f"""
            INSERT INTO tsunami_eventaggregate (event_id, aggregate_ctype_id, aggregate_id,
                                                created_at)
            SELECT id, target_ctype_id, target_id, created_at FROM tsunami_event
            UNION ALL
            SELECT id, {car}, target_id, created_at FROM tsunami_event
            WHERE target_ctype_id = {engine}
            UNION ALL
            SELECT e.id, a.ctype, ((e.target_id::int + 1) / 2)::text, e.created_at
            FROM tsunami_event e, (VALUES ({engine}), ({car})) a(ctype)
            WHERE e.target_ctype_id = {cylinder}
            UNION ALL
            SELECT e.id, a.ctype, e.target_id, e.created_at
            FROM tsunami_event e, (VALUES ({club}), ({person})) a(ctype)
            WHERE e.target_ctype_id = {membership}
            """
        )
        cursor.execute("ANALYZE tsunami_event")
        cursor.execute("ANALYZE tsunami_eventaggregate")
        cursor.execute("ANALYZE auth_user")


@dataclass(frozen=True)
class Page:
    """One page the benchmark reads: which view, as whom, with which URL."""

    key: str
    view: str
    title: str
    who: str  # "root" (superuser) or "viewer" (staff limited to some models)
    url: str


def pages() -> list[Page]:
    """Return the pages to read on the current database (cursors point into its data)."""
    from django.contrib.contenttypes.models import ContentType

    from tests.testapp.models import Car
    from tsunami.models import Event, EventAggregate
    from tsunami.paginators import Cursor

    car = ContentType.objects.get_for_model(Car)
    viewer_ctypes = ContentType.objects.filter(app_label="testapp", model__in=VIEWER_MODELS)

    def middle(queryset: Any, time: str = "created_at", pk: str = "id") -> str:
        rows = queryset.order_by(f"-{time}", f"-{pk}").values_list(time, pk)
        row = rows[queryset.count() // 2]
        return Cursor(row[0], row[1]).encode()

    events = Event.objects.all()
    deep = middle(events)
    deep_viewer = middle(events.filter(target_ctype__in=viewer_ctypes))
    history_rows = EventAggregate.objects.filter(aggregate_ctype=car, aggregate_id="1")
    deep_history = middle(history_rows, pk="event_id")
    history = "/events/history/testapp/car/1/"
    admin = "/admin/tsunami/event/"
    chart = "/events/chart/"
    return [
        Page("timeline", "timeline", "first page", "root", "/events/"),
        Page("timeline_deep", "timeline", "deep page (middle)", "root", f"/events/?after={deep}"),
        Page("timeline_user", "timeline", "by user", "root", f"/events/?user={HOT_USER}"),
        Page("timeline_type", "timeline", "by event type", "root", f"/events/?type={HOT_TYPE}"),
        Page("timeline_glob", "timeline", "by type glob", "root", "/events/?type=testapp.car.*"),
        Page("timeline_model", "timeline", "by model", "root", "/events/?model=testapp.node"),
        Page(
            "timeline_object",
            "timeline",
            "by object (target)",
            "root",
            "/events/?model=testapp.car&object=1",
        ),
        Page(
            "timeline_aggregate",
            "timeline",
            "by object (affecting)",
            "root",
            "/events/?aggregate=testapp.car:1",
        ),
        Page("timeline_viewer", "timeline", "first page", "viewer", "/events/"),
        Page(
            "timeline_viewer_deep",
            "timeline",
            "deep page (middle)",
            "viewer",
            f"/events/?after={deep_viewer}",
        ),
        Page("timeline_viewer_user", "timeline", "by user", "viewer", f"/events/?user={HOT_USER}"),
        Page("chart", "chart", "last 30 days", "root", chart),
        Page("chart_user", "chart", "by user", "root", f"{chart}?user={HOT_USER}"),
        Page("chart_type", "chart", "by event type", "root", f"{chart}?type={HOT_TYPE}"),
        Page("chart_object", "chart", "by object", "root", f"{chart}?model=testapp.car&object=1"),
        Page("chart_viewer", "chart", "last 30 days", "viewer", chart),
        Page("history", "history", "first page", "root", history),
        Page(
            "history_deep",
            "history",
            "deep page (middle)",
            "root",
            f"{history}?after={deep_history}",
        ),
        Page("history_viewer", "history", "first page", "viewer", history),
        Page("admin", "admin", "first page", "root", admin),
        Page("admin_deep", "admin", "deep page (p=90)", "root", f"{admin}?p=90"),
        Page("admin_user", "admin", "by user", "root", f"{admin}?user={HOT_USER}"),
        Page("admin_type", "admin", "by event type", "root", f"{admin}?event_type={HOT_TYPE}"),
        Page(
            "admin_target",
            "admin",
            "by object (target)",
            "root",
            f"{admin}?target_ctype={car.pk}&target_id=1",
        ),
        Page(
            "admin_aggregate",
            "admin",
            "by object (affected)",
            "root",
            f"{admin}?aggregate_ctype={car.pk}&aggregate_id=1",
        ),
        Page("admin_viewer", "admin", "first page", "viewer", admin),
    ]


@dataclass
class PlanCheck:
    """What EXPLAIN ANALYZE says of a page's queries on the event tables."""

    queries: int = 0
    explained: int = 0
    seq_scans: list[str] | None = None
    rows_read: int = 0
    #: Queries the database compiled with JIT: a sign that it expected a lot of work.
    jit: int = 0

    def __post_init__(self) -> None:
        if self.seq_scans is None:
            self.seq_scans = []


def check_plans(captured: list[dict[str, Any]]) -> PlanCheck:
    """EXPLAIN ANALYZE every captured ``SELECT`` on the event tables.

    Returns the seq scans of those tables and the rows their scans read (rows returned plus
    rows removed by filters, times loops): a bounded page reads a bounded number of rows.
    """
    from django.db import connection

    check = PlanCheck(queries=len(captured))
    assert check.seq_scans is not None
    for query in captured:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        if not any(table in sql for table in EVENT_TABLES):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        check.explained += 1
        if plan[0].get("JIT", {}).get("Functions"):
            check.jit += 1
        pending = [plan[0]["Plan"]]
        while pending:
            node = pending.pop()
            pending.extend(node.get("Plans", ()))
            relation = node.get("Relation Name")
            if node["Node Type"] == "Bitmap Index Scan" and node["Index Name"].startswith(
                "tsunami_"
            ):
                # No relation name, but the index entries it reads count as much.
                check.rows_read += int(node.get("Actual Rows", 0) * node.get("Actual Loops", 1))
            if relation not in EVENT_TABLES:
                continue
            if node["Node Type"] == "Seq Scan":
                check.seq_scans.append(f"Seq Scan on {relation} in: {sql[:200]}")
            read = (
                node.get("Actual Rows", 0)
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            )
            check.rows_read += int(read * node.get("Actual Loops", 1))
    return check
