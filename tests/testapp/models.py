"""Models of the test project: the seed README's Car/Engine/Cylinder and the field zoo."""

import uuid

from django.db import models


class Car(models.Model):
    manufacturer = models.CharField(max_length=50)

    def __str__(self):
        return self.manufacturer


class Engine(models.Model):
    car = models.OneToOneField(Car, models.CASCADE)
    num_cylinders = models.IntegerField(default=4)

    def __str__(self):
        return f"{self.num_cylinders}-cylinder engine of {self.car}"

    def get_event_aggregates(self):
        return (self.car,)


class Cylinder(models.Model):
    engine = models.ForeignKey(Engine, models.CASCADE)
    bore = models.DecimalField(max_digits=6, decimal_places=2, default=0)

    def __str__(self):
        return f"cylinder {self.pk}"

    def get_event_aggregates(self):
        return (self.engine,)


class Tag(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self):
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self):
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.SET_NULL, null=True, blank=True)
    published = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    cover = models.FileField(upload_to="covers/", blank=True)
    reference = models.UUIDField(default=uuid.uuid4)
    tags = models.ManyToManyField(Tag, blank=True, related_name="books")

    def __str__(self):
        return self.title


class Person(models.Model):
    name = models.CharField("full name", max_length=100)
    friends = models.ManyToManyField("self", blank=True, verbose_name="close friends")

    def __str__(self):
        return self.name


class Club(models.Model):
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Person, through="Membership", related_name="clubs")

    def __str__(self):
        return self.name


class Membership(models.Model):
    person = models.ForeignKey(Person, models.CASCADE)
    club = models.ForeignKey(Club, models.CASCADE)
    role = models.CharField(max_length=50, default="member")

    def __str__(self):
        return f"{self.person} in {self.club}"

    def get_event_aggregates(self):
        return (self.club, self.person)


class Gadget(models.Model):
    """A model with a UUID primary key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=100)
    parts = models.ManyToManyField(Tag, blank=True, related_name="gadgets")

    def __str__(self):
        return self.name


class Country(models.Model):
    """A model with a string primary key."""

    code = models.CharField(max_length=8, primary_key=True)
    name = models.CharField(max_length=100)

    def __str__(self):
        return self.name


class Account(models.Model):
    """Has a field to mask and a field to exclude in tests that configure them."""

    name = models.CharField(max_length=100)
    api_token = models.CharField(max_length=100, blank=True)
    login_count = models.IntegerField(default=0)

    def __str__(self):
        return self.name


class Node(models.Model):
    """Aggregates form a cycle: a node aggregates into its parent and its partner."""

    name = models.CharField(max_length=50)
    parent = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+")
    partner = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self):
        return self.name

    def get_event_aggregates(self):
        return [node for node in (self.parent, self.partner, self) if node is not None]


class Ticket(models.Model):
    """Chooses its own event type from the diff."""

    status = models.CharField(max_length=20, default="open")

    def __str__(self):
        return f"ticket {self.pk}"

    def get_event_type(self, diff):
        if diff.get("status") == "closed":
            return "tickets.closed"
        return None


class Note(models.Model):
    """Tracked model with a proxy."""

    text = models.TextField()

    def __str__(self):
        return self.text


class PinnedNote(Note):
    class Meta:
        proxy = True

    def __str__(self):
        return f"pinned: {self.text}"


class Untracked(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self):
        return self.name
