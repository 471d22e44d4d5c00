import os

import pytest
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from tests.ui.conftest import make_user

# Web-first assertions wait longer than their 5 s default on a busy CI machine.
expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("TSUNAMI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser(django_db_setup):
    # The test database must exist before the live server starts: pytest-django hands the
    # server threads the test thread's connection when it sees Django's in-memory SQLite
    # default, and threads that share a SQLite connection deadlock or crash.
    # Playwright's sync API runs an event loop in the test thread, while the tests' own ORM
    # calls stay synchronous; the loop and this permission end with the module, so that
    # other tests see neither.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # No skip when Chromium is missing: launching fails and the tests fail loudly.
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, transactional_db, client):
    """A browser page logged in as a superuser of the live server."""
    # Every live server thread has a connection of its own (see tests/settings.py).
    assert not live_server.thread.connections_override
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db()
    user = make_user("root", superuser=True)
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    # Generous: CI machines are small and shared; a slow step must not read as a failure.
    page.set_default_timeout(30_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.js_errors = errors
    yield page
    context.close()
