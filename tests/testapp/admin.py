from django.contrib import admin

from tests.testapp import models

# Account stays unregistered: the admin tests need a tracked model without an admin.

for model in (
    models.Car,
    models.Engine,
    models.Cylinder,
    models.Author,
    models.Tag,
    models.Book,
    models.Gadget,
    models.Country,
    models.Note,
    models.PinnedNote,
    models.Person,
    models.Club,
    models.Membership,
    models.Node,
    models.Ticket,
):
    admin.site.register(model)
