"""Admin sites of the admin tests, besides the default one."""

from django.contrib import admin

from tests.testapp.models import Car, Country, Gadget
from tsunami.admin import EventAdmin, TsunamiHistoryMixin
from tsunami.models import Event

#: A site without the Event admin: its history links fall back to the default site's.
custom_site = admin.AdminSite(name="custom")
custom_site.register(Car)
custom_site.register(Gadget)

#: A site with its own Event admin: its history links stay on it.
event_site = admin.AdminSite(name="eventsite")
event_site.register(Event, EventAdmin)
event_site.register(Country)


class MixinCarAdmin(TsunamiHistoryMixin, admin.ModelAdmin):
    pass


#: A site whose Car admin opts in with the mixin, for when the global setting is off.
mixin_site = admin.AdminSite(name="mixin")
mixin_site.register(Car, MixinCarAdmin)
