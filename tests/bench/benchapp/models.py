"""A book with the usual kinds of fields: text, numbers, a date, JSON, a foreign key, tags."""

from django.conf import settings
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.SET_NULL, null=True, blank=True)
    published = models.DateField(null=True, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    pages = models.IntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="books")

    def __str__(self) -> str:
        return self.title


if settings.BENCH_CONTESTANT == "simple_history":
    # django-simple-history builds its history models when the tracked models are registered,
    # so this has to happen while models load, not in ready().
    from simple_history import register

    register(Author)
    register(Tag)
    register(Book, m2m_fields=["tags"])
