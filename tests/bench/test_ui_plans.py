"""No page of the UI scans the event tables: EXPLAIN ANALYZE of every query, on PostgreSQL.

The pages and data are those of the UI scale benchmark (``tests.bench.uidata``), at 20k
events spread over years, so that the planner sees what it sees on a large table: a page,
a filter or the chart's 30 days are a small part of it. The plans are the real ones (no
``enable_seqscan = off``); timing is never asserted.
"""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.bench import uidata

pytestmark = [
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="the plans checked are PostgreSQL's (run with TSUNAMI_TEST_DB=postgres)",
    ),
    # Committed, so that VACUUM ANALYZE can run as it would on a long-lived table.
    pytest.mark.django_db(transaction=True),
]
EVENTS = 20_000
SPACING = datetime.timedelta(hours=2)  # 20k events over four and a half years


def test_no_page_scans_the_event_tables():
    uidata.create_people_and_objects()
    uidata.fill_events(EVENTS, SPACING)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tsunami_event, tsunami_eventaggregate, auth_user")
    clients = {}
    for who in ("root", "viewer"):
        clients[who] = Client()
        clients[who].force_login(get_user_model().objects.get(username=who))

    found = {}
    explained = 0
    for page in uidata.pages():
        with CaptureQueriesContext(connection) as captured:
            response = clients[page.who].get(page.url)
        assert response.status_code == 200, page.url
        check = uidata.check_plans(captured.captured_queries)
        explained += check.explained
        if check.seq_scans:
            found[page.key] = check.seq_scans
    assert explained >= len(uidata.pages())
    assert not found, found
