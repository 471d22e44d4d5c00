"""Every page of the timeline UI and the admin, for each of seven roles.

The assertion is on content too: events and objects carry a marker of their model, and a
restricted user's responses (redirects followed) never contain a marker of a model they
may not view.
"""

import pytest

from tests.reliability import stats
from tests.reliability.web import (
    BOOK_MARK,
    CAR_MARK,
    ENGINE_MARK,
    ROLES,
    client_for,
    make_world,
    pages,
)

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]

SHUT_OUT = {"anonymous", "inactive staff", "active non-staff", "staff without permissions"}
# role -> markers that must never appear in its responses
FORBIDDEN_MARKS = {
    **dict.fromkeys(SHUT_OUT, (CAR_MARK, BOOK_MARK, ENGINE_MARK)),
    "staff with view_event only": (CAR_MARK, BOOK_MARK, ENGINE_MARK),
    "staff with view_event and view_car": (BOOK_MARK, ENGINE_MARK),
    "superuser": (),
}
# (role, page) -> a marker that must appear, so that the content checks are not vacuous
MUST_SHOW = {
    ("staff with view_event and view_car", "timeline"): CAR_MARK,
    ("staff with view_event and view_car", "car event"): CAR_MARK,
    ("staff with view_event and view_car", "car history"): CAR_MARK,
    ("staff with view_event and view_car", "admin events of cars"): CAR_MARK,
    ("superuser", "timeline"): BOOK_MARK,
    ("superuser", "book event"): BOOK_MARK,
    ("superuser", "book history"): BOOK_MARK,
    ("superuser", "admin book event"): BOOK_MARK,
    ("superuser", "admin events of books"): BOOK_MARK,
    ("superuser", "engine event"): ENGINE_MARK,
    ("superuser", "car history"): ENGINE_MARK,
    ("superuser", "admin events"): ENGINE_MARK,
}
# Pages that a role which may use the timeline must still be refused: another model's event.
MUST_REFUSE = {
    ("staff with view_event only", "car event"),
    ("staff with view_event only", "car history"),
    ("staff with view_event only", "admin car event"),
    ("staff with view_event and view_car", "book event"),
    ("staff with view_event and view_car", "engine event"),
    ("staff with view_event and view_car", "book history"),
    ("staff with view_event and view_car", "admin book event"),
    ("staff with view_event and view_car", "admin book history"),
}


def refused(response, headers):
    """Tell whether the first response turns the user away."""
    if response.status_code in (403, 404):
        return True
    if response.status_code == 302:
        # The admin sends a user to its index when an object is not theirs to see.
        return "/login/" in response["Location"] or response["Location"] == "/admin/"
    return bool(headers) and "HX-Redirect" in response.headers  # htmx: reload on the login page


def check_pages(role, only):
    world = make_world()
    client = client_for(role)
    problems = []
    for name, url, headers in pages(world):
        if not only(name):
            continue
        stats.add(stats.PERMISSION_CELLS)
        first = client.get(url, **headers)
        final = client.get(url, follow=True, **headers) if first.status_code == 302 else first
        content = final.content.decode()
        if final.status_code >= 500:
            problems.append(f"{name}: {final.status_code}")
        if (role in SHUT_OUT or (role, name) in MUST_REFUSE) and not refused(first, headers):
            problems.append(f"{name}: not refused ({first.status_code})")
        if role == "superuser" and final.status_code != 200:
            problems.append(f"{name}: {final.status_code}, expected 200")
        for mark in FORBIDDEN_MARKS[role]:
            if mark in content:
                problems.append(f"{name}: shows {mark}")
        must = MUST_SHOW.get((role, name))
        if must and must not in content:
            problems.append(f"{name}: does not show {must} ({final.status_code})")
    assert problems == [], "\n".join(problems)


def is_admin(name):
    return name.startswith("admin")


@pytest.mark.parametrize("role", ROLES)
def test_timeline_ui_permission_matrix(role):
    check_pages(role, lambda name: not is_admin(name))


@pytest.mark.parametrize("role", ROLES)
def test_admin_permission_matrix(role):
    check_pages(role, is_admin)
