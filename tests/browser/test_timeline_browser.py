"""The timeline UI driven in headless Chromium: htmx swaps, history, paging, escaping."""

import datetime
import os
import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from tests.testapp.models import Book, Car, Engine
from tests.ui.conftest import make_event, make_user
from tsunami import tracking
from tsunami.models import Event

ROWS = "#tsunami-table tbody tr"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _seed():
    alice = make_user("alice", staff=False)
    bob = make_user("bob", staff=False)
    with tracking.acting_user(alice):
        car = Car.objects.create(manufacturer="Toyota")
        engine = Engine.objects.create(car=car, num_cylinders=4)
        Book.objects.create(title="Manual", metadata={"pages": 120, "tags": ["car"]})
    with tracking.acting_user(bob):
        car.manufacturer = "Volkswagen"
        car.save()
        engine.num_cylinders = 6
        engine.save()
    return car


def _mark_document(page):
    # A full page load would lose this property; an htmx swap keeps it.
    page.evaluate("window.tsunamiNoReload = true")


def _still_same_document(page):
    return page.evaluate("window.tsunamiNoReload === true")


def _open_timeline(page, live_server, query=""):
    page.goto(f"{live_server.url}/events/{query}")
    expect(page.locator("#tsunami-chart svg")).to_be_visible()  # the lazy chart arrived
    _mark_document(page)


def test_filtering_by_user_swaps_the_table_and_pushes_the_url(page, live_server):
    _seed()
    _open_timeline(page, live_server)
    expect(page.locator(ROWS)).to_have_count(Event.objects.count())
    page.fill("#tsunami-filter-user", "alice")
    page.press("#tsunami-filter-user", "Enter")
    page.wait_for_url(re.compile(r"/events/\?.*user=alice"))
    expect(page.locator(ROWS)).to_have_count(3)
    assert page.url == f"{live_server.url}/events/?user=alice"
    for cell in page.locator(f"{ROWS} td:nth-child(4)").all_inner_texts():
        assert cell == "alice"
    assert _still_same_document(page)
    assert page.js_errors == []


def test_filtering_by_event_type_and_going_back_restores_the_table(page, live_server):
    _seed()
    _open_timeline(page, live_server)
    total = Event.objects.count()
    page.fill("#tsunami-filter-type", "testapp.engine.*")
    page.locator("#tsunami-filter-type").blur()  # a change event, as when tabbing away
    page.wait_for_url(re.compile(r"type=testapp\.engine\.\*|type=testapp.engine.%2A"))
    expect(page.locator(ROWS)).to_have_count(2)
    types = page.locator(f"{ROWS} td:nth-child(2)").all_inner_texts()
    assert types == ["testapp.engine.updated", "testapp.engine.created"]
    assert _still_same_document(page)

    page.go_back()
    page.wait_for_url(f"{live_server.url}/events/")
    expect(page.locator(ROWS)).to_have_count(total)
    expect(page.locator("#tsunami-filter-type")).to_have_value("")
    page.go_forward()
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.locator("#tsunami-filter-type")).to_have_value("testapp.engine.*")
    assert page.js_errors == []


def test_user_type_ahead_suggests_users_from_events(page, live_server):
    _seed()
    _open_timeline(page, live_server)
    page.locator("#tsunami-filter-user").press_sequentially("bo")
    expect(page.locator("#tsunami-user-options option")).to_have_count(1)
    assert page.locator("#tsunami-user-options option").get_attribute("value") == "bob"


def test_paging_swaps_the_table_and_back_returns_to_the_first_page(page, live_server):
    car = Car.objects.create(manufacturer="Saab")
    now = datetime.datetime.now(datetime.UTC)
    for index in range(70):
        make_event(car, "shop.tick", data={"n": index}, at=now - datetime.timedelta(minutes=index))
    _open_timeline(page, live_server)
    expect(page.locator(ROWS)).to_have_count(50)
    first_row = page.locator(ROWS).first.inner_text()
    page.click("text=Next →")
    page.wait_for_url(re.compile(r"after="))
    expect(page.locator(ROWS)).to_have_count(Event.objects.count() - 50)
    assert page.locator(ROWS).first.inner_text() != first_row
    assert _still_same_document(page)
    page.click("text=← Previous")
    expect(page.locator(ROWS)).to_have_count(50)
    assert page.locator(ROWS).first.inner_text() == first_row
    page.go_back()
    page.wait_for_url(re.compile(r"after="))
    expect(page.locator(ROWS)).to_have_count(Event.objects.count() - 50)


def test_sorting_oldest_first_swaps_the_table(page, live_server):
    _seed()
    _open_timeline(page, live_server)
    newest = page.locator(ROWS).first.inner_text()
    page.click("#tsunami-table thead a")
    page.wait_for_url(re.compile(r"sort=when"))
    expect(page.locator(ROWS).first).not_to_have_text(newest)
    expect(page.locator("#tsunami-table thead th").first).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert _still_same_document(page)
    # A filter change keeps the sort order.
    page.fill("#tsunami-filter-user", "bob")
    page.press("#tsunami-filter-user", "Enter")
    page.wait_for_url(re.compile(r"user=bob.*sort=when|sort=when.*user=bob"))
    assert page.locator(f"{ROWS} td:nth-child(2)").all_inner_texts() == [
        "testapp.car.updated",
        "testapp.engine.updated",
    ]


def test_history_opened_from_the_table_shows_old_and_new_values(page, live_server):
    car = _seed()
    _open_timeline(page, live_server, "?type=testapp.car.updated")
    page.click(f"{ROWS} td:nth-child(3) a")
    page.wait_for_url(re.compile(rf"/events/history/testapp/car/{car.pk}/$"))
    expect(page.locator("h1")).to_have_text("Volkswagen")
    card = page.locator(".tsunami-card", has_text="testapp.car.updated")
    expect(card.locator(".tsunami-old")).to_have_text("Toyota")
    expect(card.locator(".tsunami-new")).to_have_text("→ Volkswagen")
    expect(card).to_contain_text("bob")
    engine_card = page.locator(".tsunami-card", has_text="testapp.engine.updated")
    expect(engine_card.locator(".tsunami-old")).to_have_text("4")
    expect(engine_card.locator(".tsunami-new")).to_have_text("→ 6")


def test_the_filters_work_without_javascript(browser, live_server, transactional_db, client):
    _seed()
    client.force_login(make_user("root", superuser=True))
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/events/")
    page.fill("#tsunami-filter-user", "bob")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"user=bob"))
    expect(page.locator(ROWS)).to_have_count(2)
    context.close()


def test_a_script_stored_in_a_field_does_not_run(page, live_server):
    script = "<script>window.tsunamiPwned = 1</script>"  # fits Car.manufacturer
    payload = script + '<img src=x onerror="window.tsunamiPwned = 2">'
    with tracking.acting_user(make_user("mallory", staff=False)):
        car = Car.objects.create(manufacturer=script)
        car.manufacturer = script + "!"
        car.save()
        Book.objects.create(title=payload, metadata={"note": payload})
    make_event(car, "shop.note", data={"comment": payload})
    _open_timeline(page, live_server)
    expect(page.locator(f"{ROWS} td:nth-child(3) a").first).to_contain_text("<script>")
    assert page.evaluate("window.tsunamiPwned") is None
    page.click(f"{ROWS} td:nth-child(3) a >> nth=0")
    page.wait_for_url(re.compile(r"/history/"))
    expect(page.locator("h1")).to_contain_text("<script>")
    page.click(".tsunami-card h2 a >> nth=0")
    page.wait_for_url(re.compile(r"/events/\d+/$"))
    expect(page.locator(".tsunami-raw").first).to_contain_text("<script>")
    assert page.evaluate("window.tsunamiPwned") is None
    assert page.js_errors == []


INJECTIONS = (
    '"><img src=x onerror="window.tsunamiPwned = 3">',
    '</pre></details><svg onload="window.tsunamiPwned = 4">',
    '" autofocus onfocus="window.tsunamiPwned = 5',
    "' autofocus onfocus='window.tsunamiPwned = 6' x='",
)


def test_attribute_injections_in_json_keys_values_and_str_stay_inert(page, live_server):
    metadata = {
        key: {"nested": value} for key, value in zip(INJECTIONS, reversed(INJECTIONS), strict=True)
    }
    book = Book.objects.create(title=INJECTIONS[0], metadata=metadata)
    book.title = INJECTIONS[2]
    book.metadata = {**metadata, INJECTIONS[1]: [INJECTIONS[3]]}
    book.save()
    event = Event.objects.filter(event_type="testapp.book.updated").get()
    for url in (
        "/events/",
        f"/events/history/testapp/book/{book.pk}/",
        f"/admin/tsunami/event/?q={book.pk}",
        f"/admin/tsunami/event/{event.pk}/change/",
        f"/events/{event.pk}/",
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        page.mouse.move(200, 300)
        page.keyboard.press("Tab")
        assert page.evaluate("window.tsunamiPwned") is None, url
    expect(page.locator("body")).to_contain_text("onfocus")
    assert page.js_errors == []


def test_screenshots_of_the_timeline_and_a_history_page(page, live_server, tmp_path):
    car = _seed()
    with tracking.acting_user(make_user("carol", staff=False)):
        for name in ("Saab", "Volvo", "Fiat"):
            other = Car.objects.create(manufacturer=name)
            other.manufacturer = f"{name} Classic"
            other.save()
        book = Book.objects.get()
        book.metadata = {"pages": 128, "tags": ["car", "repair"]}
        book.save()
    # Older activity, so that the chart has a shape.
    now = datetime.datetime.now(datetime.UTC)
    for index in range(120):
        at = now - datetime.timedelta(days=1 + (index * 7919 % 2900) / 100)
        make_event(car, "garage.inspected", data={"mileage": 1000 + index}, at=at)
    page.set_viewport_size({"width": 1100, "height": 760})
    _open_timeline(page, live_server)
    page.screenshot(path=tmp_path / "timeline.png")
    page.goto(f"{live_server.url}/events/history/testapp/car/{car.pk}/")
    page.screenshot(path=tmp_path / "history.png")
    for name in ("timeline.png", "history.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG")
        if os.environ.get("TSUNAMI_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / name, SCREENSHOTS / name)


def test_pages_fit_a_phone_screen_and_follow_dark_mode(page, live_server):
    car = _seed()
    event = Event.objects.filter(event_type="testapp.car.updated").get()
    page.set_viewport_size({"width": 375, "height": 740})
    page.emulate_media(color_scheme="dark")
    for path in ("/events/", f"/events/history/testapp/car/{car.pk}/", f"/events/{event.pk}/"):
        page.goto(live_server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(13, 17, 23)", path
    page.emulate_media(color_scheme="light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"


def test_on_a_phone_rows_are_cards_whose_cells_name_their_column(page, live_server):
    _seed()
    page.set_viewport_size({"width": 375, "height": 740})
    _open_timeline(page, live_server)
    expect(page.locator("#tsunami-table thead a")).to_be_visible()  # sorting stays reachable
    expect(page.locator("#tsunami-table thead th").nth(1)).to_be_hidden()
    user_cell = page.locator(f"{ROWS} td:nth-child(4)").first
    label = user_cell.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"User: "'
    assert user_cell.get_attribute("data-label") == "User"
    first, second = (
        page.locator(ROWS).nth(0).bounding_box(),
        page.locator(ROWS).nth(1).bounding_box(),
    )
    assert second["y"] >= first["y"] + first["height"]  # stacked, not side by side


def test_keyboard_users_reach_the_filters_and_see_the_focus(page, live_server):
    _seed()
    _open_timeline(page, live_server)
    page.keyboard.press("Tab")  # the skip link
    assert page.evaluate("document.activeElement.className") == "tsunami-skip"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "tsunami-filter-user"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


LOW_CONTRAST_TEXT = """() => {
  const parse = (color) => color.match(/[\\d.]+/g).map(Number);
  const channel = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const color = parse(getComputedStyle(e).backgroundColor);
      if (color.length < 4 || color[3] > 0) return color;
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const element of document.querySelectorAll("body *")) {
    if (element.closest("svg")) continue;
    const text = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = element.getBoundingClientRect();
    if (!text || box.width < 2 || box.height < 2) continue;
    const [high, low] = [luminance(parse(getComputedStyle(element).color)),
                         luminance(background(element))].sort((a, b) => b - a);
    const ratio = (high + 0.05) / (low + 0.05);
    if (ratio < 4.5) failures.push(`${element.tagName}.${element.className} ${ratio.toFixed(2)}`);
  }
  return failures;
}"""


def test_all_text_has_aa_contrast_in_light_and_dark_mode(page, live_server):
    car = _seed()
    event = Event.objects.filter(event_type="testapp.car.updated").get()
    urls = ("/events/", f"/events/history/testapp/car/{car.pk}/", f"/events/{event.pk}/")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for url in urls:
            page.goto(live_server.url + url)
            if url == "/events/":
                expect(page.locator("#tsunami-chart svg")).to_be_visible()
            # WCAG 2 AA: at least 4.5:1 for text.
            assert page.evaluate(LOW_CONTRAST_TEXT) == [], (scheme, url)
    # The check itself finds grey on white (2.3:1).
    page.evaluate(
        """() => document.body.insertAdjacentHTML('beforeend',
        '<p class="probe" style="color: #aaa; background: #fff">faint</p>')"""
    )
    assert page.evaluate(LOW_CONTRAST_TEXT) == ["P.probe 2.32"]
