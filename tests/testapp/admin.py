from django.contrib import admin

from tests.testapp import models

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
):
    admin.site.register(model)
