"""Script and attribute-injection payloads render inert on every page.

Payloads sit in model fields (and so in object ``str()``), in JSON keys and values and in
custom event data; every page of the UI and the admin is parsed, and no element may
carry an event-handler attribute, no script may contain the payload, and no injected
element may appear.
"""

from html.parser import HTMLParser

import pytest

from tests.reliability.web import World, client_for, pages
from tests.testapp.models import Book, Car, Engine
from tsunami.models import Event

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]

PAYLOADS = (
    '<script>alert("xss1")</script>',
    '"><img src=x onerror=alert(2)>',
    "' onmouseover='alert(3)' data-pwned='",
    "</textarea></pre><svg onload=alert(4)>",
    '" autofocus onfocus="alert(5)',
    "{{ 7|add:7 }}<b>bold</b>",
)


class Elements(HTMLParser):
    """Collect every start tag with its attributes and the text of every script."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.scripts = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def injected(content):
    """Return what in ``content`` shows that a payload was interpreted as markup."""
    parser = Elements()
    parser.feed(content)
    found = []
    for tag, attrs in parser.tags:
        handlers = [name for name in attrs if name.startswith("on")]
        if handlers:
            found.append(f"<{tag}> with {handlers}")
        if tag == "img" and attrs.get("src") == "x":
            found.append("<img src=x>")
        if tag == "b":
            found.append("<b>")
        if "autofocus" in attrs or "data-pwned" in attrs:
            found.append(f"<{tag}> with injected attributes {sorted(attrs)}")
    found.extend(f"script {s[:40]!r}" for s in parser.scripts if "alert" in s)
    return found


@pytest.fixture
def world():
    car = Car.objects.create(manufacturer=PAYLOADS[0])
    car.manufacturer = PAYLOADS[2]
    car.save()
    Engine.objects.create(car=car)
    book = Book.objects.create(
        title=PAYLOADS[3] + PAYLOADS[1] + PAYLOADS[4],
        metadata={PAYLOADS[0]: [PAYLOADS[1], {PAYLOADS[2]: PAYLOADS[5]}], "k": PAYLOADS[4]},
    )
    book.metadata = {PAYLOADS[5]: PAYLOADS[3]}
    book.save()
    car_event = Event.objects.create(
        event_type="shop.noted", target=car, data={p: p for p in PAYLOADS}
    )
    book_event = Event.objects.create(
        event_type="shop.noted",
        target=book,
        data={"nested": [{PAYLOADS[1]: PAYLOADS[0]}]},
        previous_data={"nested": PAYLOADS[2]},
    )
    engine_event = Event.objects.get(event_type="testapp.engine.created")
    return World(car, book, car_event, book_event, engine_event)


def test_payloads_render_inert_on_every_page(world):
    client = client_for("superuser")
    problems = {}
    shown = {}
    for name, url, headers in pages(world):
        response = client.get(url, follow=True, **headers)
        assert response.status_code in (200, 400), name  # 400: the made-up page cursor
        content = response.content.decode()
        found = injected(content)
        if found:
            problems[name] = found
        shown[name] = "&lt;script&gt;alert(" in content or "&lt;img src=x" in content
    assert problems == {}
    # The payloads are there, escaped: the pages do show the data.
    assert shown["car event"] and shown["book history"] and shown["admin car event"]


def test_the_check_catches_markup_that_is_not_escaped():
    assert injected('<p title="a" onmouseover="alert(3)">') == ["<p> with ['onmouseover']"]
    assert injected("<script>alert(1)</script>") == ["script 'alert(1)'"]
    assert injected("<b>bold</b>") == ["<b>"]
