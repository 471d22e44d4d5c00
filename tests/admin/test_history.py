"""The admin "History" view redirects to the object's events."""

import uuid

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import path, reverse
from django.utils.http import urlencode

from tests.testapp.models import Car, Country, Gadget, Note, PinnedNote, Tag
from tsunami.admin import install_history_redirect
from tsunami.models import Event

ADMIN_ONLY = "tests.admin.urls_admin_only"
MOUNTED = "tests.admin.urls_mounted"


def history_url(obj, site="admin", model=None):
    opts = (model or type(obj))._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_history",
        args=[quote(str(obj.pk))],
        current_app=site,
    )


def admin_events_url(obj, site="admin"):
    ctype = ContentType.objects.get_for_model(obj)
    changelist = reverse("admin:tsunami_event_changelist", current_app=site)
    return f"{changelist}?{urlencode({'aggregate_ctype': ctype.pk, 'aggregate_id': obj.pk})}"


def timeline_url(obj):
    ctype = ContentType.objects.get_for_model(obj)
    return reverse(
        "tsunami:object-history",
        kwargs={"app_label": ctype.app_label, "model_name": ctype.model, "object_id": str(obj.pk)},
    )


def listed_event_ids(response):
    return {event.pk for event in response.context["cl"].result_list}


@pytest.mark.urls(ADMIN_ONLY)
class TestWithoutTimeline:
    def test_history_of_an_object_redirects_to_the_event_admin_filtered_by_aggregate(
        self, superuser_client
    ):
        tag = Tag.objects.create(name="red")

        response = superuser_client.get(history_url(tag))

        assert response.status_code == 302
        assert response["Location"] == admin_events_url(tag)

    def test_history_of_a_car_lists_the_events_of_its_engine_and_cylinder(
        self, superuser_client, car_with_parts
    ):
        car, engine, cylinder = car_with_parts
        other = Car.objects.create(manufacturer="Saab")

        response = superuser_client.get(history_url(car), follow=True)

        assert response.redirect_chain == [(admin_events_url(car), 302)]
        expected = {
            *Event.objects.for_target(car).values_list("pk", flat=True),
            *Event.objects.for_target(engine).values_list("pk", flat=True),
            *Event.objects.for_target(cylinder).values_list("pk", flat=True),
        }
        assert len(expected) == 3
        assert listed_event_ids(response) == expected
        assert not listed_event_ids(response) & set(
            Event.objects.for_target(other).values_list("pk", flat=True)
        )

    def test_history_of_a_uuid_pk_object_redirects_with_its_uuid(self, superuser_client):
        gadget = Gadget.objects.create(name="phone")

        response = superuser_client.get(history_url(gadget), follow=True)

        assert response.redirect_chain == [(admin_events_url(gadget), 302)]
        assert listed_event_ids(response) == set(
            Event.objects.for_target(gadget).values_list("pk", flat=True)
        )

    def test_history_of_a_string_pk_object_redirects_with_its_quoted_pk(self, superuser_client):
        country = Country.objects.create(code="a/b_c d", name="Odd")

        response = superuser_client.get(history_url(country), follow=True)

        assert response.redirect_chain == [(admin_events_url(country), 302)]
        assert listed_event_ids(response) == set(
            Event.objects.for_target(country).values_list("pk", flat=True)
        )

    def test_history_of_a_deleted_object_behaves_like_djangos(self, superuser_client):
        car = Car.objects.create(manufacturer="Gone")
        url = history_url(car)
        car.delete()

        response = superuser_client.get(url, follow=True)

        assert response.redirect_chain == [(reverse("admin:index"), 302)]
        assert "doesn’t exist. Perhaps it was deleted?" in response.content.decode()

    def test_history_of_a_proxy_object_lists_the_events_of_its_concrete_object(
        self, superuser_client
    ):
        note = Note.objects.create(text="pinned")
        pinned = PinnedNote.objects.get(pk=note.pk)

        response = superuser_client.get(history_url(pinned, model=PinnedNote))

        assert response["Location"] == admin_events_url(note)

    def test_history_on_a_custom_site_without_the_event_admin_uses_the_default_sites(
        self, superuser_client
    ):
        gadget = Gadget.objects.create(name="watch")

        response = superuser_client.get(history_url(gadget, site="custom"))

        assert history_url(gadget, site="custom").startswith("/custom/")
        assert response["Location"] == admin_events_url(gadget, site="admin")

    def test_history_on_a_custom_site_with_the_event_admin_stays_on_that_site(
        self, superuser_client
    ):
        country = Country.objects.create(code="fr", name="France")

        response = superuser_client.get(history_url(country, site="eventsite"), follow=True)

        location = admin_events_url(country, site="eventsite")
        assert location.startswith("/eventsite/tsunami/event/")
        assert response.redirect_chain == [(location, 302)]
        assert listed_event_ids(response) == set(
            Event.objects.for_target(country).values_list("pk", flat=True)
        )

    def test_history_on_a_site_registered_after_tsunami_loaded_redirects(self, superuser_client):
        late_site = admin.AdminSite(name="late")
        late_site.register(Tag)
        urlconf = type(
            "LateUrls",
            (),
            {"urlpatterns": [path("admin/", admin.site.urls), path("late/", late_site.urls)]},
        )
        tag = Tag.objects.create(name="late")

        with override_settings(ROOT_URLCONF=urlconf):
            response = superuser_client.get(f"/late/testapp/tag/{tag.pk}/history/")

            assert response.status_code == 302
            assert response["Location"] == admin_events_url(tag)

    def test_setting_off_restores_djangos_history_page(self, superuser_client, settings):
        settings.TSUNAMI = {**settings.TSUNAMI, "REPLACE_ADMIN_HISTORY": False}
        car = Car.objects.create(manufacturer="Fiat")

        response = superuser_client.get(history_url(car))

        assert response.status_code == 200
        assert "admin/object_history.html" in [t.name for t in response.templates]

    def test_mixin_redirects_even_with_the_setting_off(self, superuser_client, settings):
        settings.TSUNAMI = {**settings.TSUNAMI, "REPLACE_ADMIN_HISTORY": False}
        car = Car.objects.create(manufacturer="Fiat")

        response = superuser_client.get(history_url(car, site="mixin"))

        assert response.status_code == 302
        assert response["Location"] == admin_events_url(car)

    def test_mixin_on_a_missing_object_behaves_like_djangos(self, superuser_client):
        response = superuser_client.get("/mixin/testapp/car/999999/history/")

        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index", current_app="mixin")

    def test_installing_twice_wraps_history_once(self):
        before = admin.ModelAdmin.history_view

        install_history_redirect()

        assert admin.ModelAdmin.history_view is before
        assert before.tsunami_replaced
        assert not getattr(before.__wrapped__, "tsunami_replaced", False)


@pytest.mark.urls("tests.admin.urls_sites_only")
def test_history_without_any_event_list_falls_back_to_djangos_page(superuser_client):
    car = Car.objects.create(manufacturer="Lada")

    response = superuser_client.get(f"/custom-only/testapp/car/{car.pk}/history/")

    assert response.status_code == 200
    assert "admin/object_history.html" in [t.name for t in response.templates]


@pytest.mark.urls(MOUNTED)
class TestWithTimeline:
    def test_history_redirects_to_the_timeline_page_of_the_object(self, superuser_client):
        car = Car.objects.create(manufacturer="Volvo")

        response = superuser_client.get(history_url(car))

        assert response.status_code == 302
        assert response["Location"] == timeline_url(car)
        assert response["Location"].startswith("/events/")

    def test_history_of_uuid_and_string_pks_redirect_to_their_timeline_pages(
        self, superuser_client
    ):
        gadget = Gadget.objects.create(id=uuid.uuid4(), name="tablet")
        country = Country.objects.create(code="x_y", name="Ex")

        assert superuser_client.get(history_url(gadget))["Location"] == timeline_url(gadget)
        assert superuser_client.get(history_url(country))["Location"] == timeline_url(country)
        assert str(gadget.pk) in timeline_url(gadget)

    def test_history_on_a_custom_site_redirects_to_the_timeline_too(self, superuser_client):
        gadget = Gadget.objects.create(name="watch")

        response = superuser_client.get(history_url(gadget, site="custom"))

        assert response["Location"] == timeline_url(gadget)

    def test_history_of_a_deleted_object_behaves_like_djangos(self, superuser_client):
        car = Car.objects.create(manufacturer="Gone")
        url = history_url(car)
        car.delete()

        response = superuser_client.get(url)

        assert response["Location"] == reverse("admin:index")
