"""Every query parameter of every tsunami.urls view and of the admin's event filters, fuzzed.

Garbage, huge values, SQL fragments, NUL, non-existent content types and ids: the answer
is 200 (with a message), a redirect, 400 or 404, never a server error. The test client
re-raises any exception a view lets through, so a 500 fails with its traceback.
"""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability import stats
from tests.reliability.web import client_for, make_world

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]

FILTERS = ("user", "type", "model", "object", "aggregate", "since", "until")
VIEWS = {
    "/events/": (*FILTERS, "sort", "after", "before"),
    "/events/chart/": FILTERS,
    "/events/users/": ("user",),
    "history": ("after", "before"),
    "event": (),
    "/admin/tsunami/event/": (
        "event_type",
        "target_ctype",
        "target_id",
        "aggregate_ctype",
        "aggregate_id",
        "user",
        "created_from",
        "created_to",
        "q",
        "o",
        "p",
    ),
}
TARGETS = ("tsunami-results", "tsunami-chart", "tsunami-history-events", "tsunami-user-options")
SPECIAL = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "nope.nothing",
    "nope.nothing:1",
    "testapp.car",
    "testapp.car:",
    "testapp.car:99999999999999999999",
    "auth.user:abc",
    "tsunami.event:1",
    "2024-13-45",
    "2024-02-30T25:61",
    "9999-12-31T23:59:59",
    "0001-01-01",
    "0001-01-01T00:00",
    "1899-12-31T23:59",
    "9000-01-01",
    "a[[.]b",
    "[[:alpha:]]",
    "[!]",
    "*",
    "?",
    "[",
    "[]",
    "**",
    "a*b?c[d]",
    "\\",
    "../../etc/passwd",
    "%00",
    "\x00",
    "a\x00b",
    "' OR 1=1 --",
    '"; DROP TABLE tsunami_event; --',
    "1; SELECT pg_sleep(10)",
    "1 UNION SELECT * FROM auth_user",
    "<script>alert(1)</script>",
    "-created_at",
    "created_at",
    "1.2.3",
    "9.-1",
]
values = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.integers().map(str),
    st.integers(min_value=300, max_value=20_000).map(lambda n: "7" * n),
    st.builds(lambda a, b: f"{a}:{b}", st.sampled_from(SPECIAL), st.sampled_from(SPECIAL)),
)
requests = st.sampled_from(sorted(VIEWS)).flatmap(
    lambda view: st.tuples(
        st.just(view),
        st.dictionaries(
            st.sampled_from(VIEWS[view] + ("unknown",)),
            st.lists(values, min_size=1, max_size=3),
            max_size=5,
        ),
        st.one_of(st.none(), st.sampled_from(TARGETS)),
        values,
    )
)
fuzz = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def send(client, world, view, params, target, path_value):
    stats.add(stats.FUZZ_CASES)
    if view == "history":
        path = f"/events/history/testapp/car/{world.car.pk}/"
        if target is None:  # garbage in the path as well
            path = f"/events/history/testapp/{quote(path_value, safe='')}/x/"
    elif view == "event":
        path = f"/events/{quote(path_value, safe='')}/"
    else:
        path = view
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target} if target else {}
    response = client.get(path, params, **headers)
    status = response.status_code
    assert status in (200, 302, 400, 404), (path, params, status)
    if status == 302:  # the admin's own answer to a lookup it cannot use: "?e=1"
        assert path.startswith("/admin/") and "e=1" in response["Location"], (path, params)
    if status == 400:  # the page says what is wrong
        assert 'role="alert"' in response.content.decode(), (path, params)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def root():
    return client_for("superuser")


@pytest.fixture
def viewer():
    return client_for("staff with view_event and view_car")


@fuzz
@given(request=requests)
def test_no_parameter_makes_a_server_error_for_a_superuser(world, root, request):
    send(root, world, *request)


@fuzz
@given(request=requests)
def test_no_parameter_makes_a_server_error_for_a_restricted_viewer(world, viewer, request):
    send(viewer, world, *request)


@pytest.mark.parametrize("pk", ["0", "99999999999999999999", str(2**63)])
def test_event_ids_out_of_range_are_not_found(pk):
    stats.add(stats.FUZZ_CASES)
    assert client_for("superuser").get(f"/events/{pk}/").status_code == 404


@pytest.mark.parametrize("param", ["event_type", "target_id", "aggregate_id", "user"])
def test_nul_in_an_admin_filter_is_not_a_server_error(param):
    stats.add(stats.FUZZ_CASES)
    response = client_for("superuser").get("/admin/tsunami/event/", {param: "a\x00b"})
    assert response.status_code in (200, 302, 400)


@pytest.mark.parametrize(
    "path", ["/events/history/testapp/a%00b/1/", "/events/history/a%00b/car/1/"]
)
def test_nul_in_a_history_path_is_not_a_server_error(path):
    stats.add(stats.FUZZ_CASES)
    assert client_for("superuser").get(path).status_code in (400, 404)


@pytest.mark.parametrize("param", ["target_ctype", "aggregate_ctype"])
def test_a_huge_content_type_id_in_an_admin_filter_is_not_a_server_error(param):
    stats.add(stats.FUZZ_CASES)
    response = client_for("superuser").get("/admin/tsunami/event/", {param: "7" * 30})
    assert response.status_code in (200, 302, 400)
