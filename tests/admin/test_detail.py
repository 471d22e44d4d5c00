"""The page of one event: read-only, escaped, with its affected objects."""

import re

import pytest
from django.urls import reverse

from tests.testapp.models import Book, Car, Cylinder, Engine
from tsunami.models import Event

PAYLOAD = "<script>alert('owned')</script>"


def detail(client, event):
    response = client.get(reverse("admin:tsunami_event_change", args=[event.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.urls("tests.admin.urls_admin_only")
class TestDetail:
    def test_data_is_pretty_printed_and_escaped(self, superuser_client):
        book = Book.objects.create(title=PAYLOAD, metadata={"note": PAYLOAD, "n": [1, 2]})
        event = Event.objects.for_target(book).get()

        html = detail(superuser_client, event)

        assert PAYLOAD not in html
        assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in html
        assert '<pre class="tsunami-json">{\n  &quot;author&quot;: null,' in html
        assert "&quot;metadata&quot;: {\n    &quot;n&quot;: [\n      1,\n      2\n    ]," in html

    def test_previous_values_of_an_update_are_shown(self, superuser_client):
        car = Car.objects.create(manufacturer="Volvo")
        car.manufacturer = PAYLOAD
        car.save()
        event = Event.objects.get(event_type="testapp.car.updated")

        html = detail(superuser_client, event)

        assert (
            '<pre class="tsunami-json">{\n  &quot;manufacturer&quot;: &quot;Volvo&quot;\n}</pre>'
            in html
        )
        assert PAYLOAD not in html

    def test_a_script_in_the_target_str_does_not_reach_the_changelist(self, superuser_client):
        Car.objects.create(manufacturer=PAYLOAD)

        html = superuser_client.get(reverse("admin:tsunami_event_changelist")).content.decode()

        assert PAYLOAD not in html

    def test_every_field_is_read_only(self, superuser_client, car_with_parts):
        event = Event.objects.for_target(car_with_parts[2]).get()

        response = superuser_client.get(reverse("admin:tsunami_event_change", args=[event.pk]))

        fields = [
            field
            for fieldset in response.context["adminform"]
            for line in fieldset
            for field in line
        ]
        inline_fields = [
            field
            for formset in response.context["inline_admin_formsets"]
            for form in formset
            for fieldset in form
            for line in fieldset
            for field in line
        ]
        assert len(fields) == 8
        assert len(inline_fields) == 9
        assert all(field.is_readonly for field in fields + inline_fields)
        form_html = response.content.decode().split('id="event_form"', 1)[1]
        assert not re.search(r'<input(?![^>]*type="hidden")', form_html)
        assert "<textarea" not in form_html
        assert "<select" not in form_html

    def test_affected_objects_are_listed_with_links(self, superuser_client, car_with_parts):
        car, engine, cylinder = car_with_parts
        event = Event.objects.for_target(cylinder).get()

        html = detail(superuser_client, event)

        for obj, name in ((car, "car"), (engine, "engine"), (cylinder, "cylinder")):
            change_url = reverse(f"admin:testapp_{name}_change", args=[obj.pk])
            assert f'<a href="{change_url}">{obj.pk}</a>' in html
            assert f"testapp.{name}" in html
        changelist = reverse("admin:tsunami_event_changelist")
        assert f'href="{changelist}?aggregate_ctype=' in html

    def test_affected_object_that_is_gone_is_plain_text(self, superuser_client, car_with_parts):
        car, engine, cylinder = car_with_parts
        event = Event.objects.for_target(cylinder).get()
        Car.objects.filter(pk=car.pk).delete()

        html = detail(superuser_client, event)

        assert reverse("admin:testapp_car_change", args=[car.pk]) not in html
        assert not Engine.objects.exists()
        assert not Cylinder.objects.exists()

    def test_without_the_timeline_there_is_no_timeline_link(self, superuser_client):
        car = Car.objects.create(manufacturer="Volvo")
        event = Event.objects.for_target(car).get()

        html = detail(superuser_client, event)

        assert "viewsitelink" not in html


@pytest.mark.urls("tests.admin.urls_mounted")
def test_with_the_timeline_the_event_links_to_its_timeline_page(superuser_client):
    car = Car.objects.create(manufacturer="Volvo")
    event = Event.objects.for_target(car).get()

    html = detail(superuser_client, event)

    timeline = reverse("tsunami:event", kwargs={"pk": event.pk})
    assert f'<a href="{timeline}" class="viewsitelink">' in html
