"""Fill the demo database with users, cars and books and a realistic history of changes."""

import datetime
import decimal
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from tests.testapp.models import Author, Book, Car, Club, Cylinder, Engine, Person, Tag
from tsunami.models import Event, EventAggregate
from tsunami.tracking import acting_user, suspend

MANUFACTURERS = ["Ford", "Volvo", "Fiat", "Skoda", "Toyota", "Renault", "Kia", "Mazda"]
TITLES = ["Dune", "Emma", "Ulysses", "Beloved", "Middlemarch", "Solaris", "Kindred"]


class Command(BaseCommand):
    help = "Seed the demo with users (admin/admin, alice/alice, bob/bob) and a week of events."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="seed even if data exists")

    def handle(self, *args, force=False, **options):
        if Car.objects.exists() and not force:
            self.stdout.write("The demo already has data; use --force to add more.")
            return
        rng = random.Random(7)
        with transaction.atomic():
            users = self._users()
            self._history(rng, users)
            self._spread_over_a_week()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {Event.objects.count()} events. Log in at http://127.0.0.1:8000/admin/ "
                "as admin/admin (superuser), alice/alice or bob/bob (staff)."
            )
        )

    def _users(self):
        User = get_user_model()
        with suspend():
            admin = User.objects.create_superuser("admin", "admin@example.com", "admin")
        alice = User.objects.create_user("alice", "alice@example.com", "alice", is_staff=True)
        bob = User.objects.create_user("bob", "bob@example.com", "bob", is_staff=True)
        carol = User.objects.create_user("carol", "carol@example.com", "carol")
        view = Permission.objects.filter(codename__startswith="view_")
        alice.user_permissions.set(
            view.filter(codename__in=["view_event", "view_car", "view_engine", "view_cylinder"])
        )
        bob.user_permissions.set(
            view.filter(codename__in=["view_event", "view_book", "view_author", "view_tag"])
        )
        return [admin, alice, bob, carol]

    def _history(self, rng, users):
        admin, alice, bob, carol = users
        tags = [Tag.objects.create(name=name) for name in ("classic", "sci-fi", "prize")]
        authors = [Author.objects.create(name=n) for n in ("Le Guin", "Eliot", "Lem")]
        cars = []
        for name in MANUFACTURERS:
            with acting_user(rng.choice([admin, alice])):
                car = Car.objects.create(manufacturer=name)
                engine = Engine.objects.create(car=car, num_cylinders=rng.choice([3, 4, 6]))
                for _ in range(engine.num_cylinders):
                    Cylinder.objects.create(engine=engine, bore=decimal.Decimal("80.50"))
            cars.append(car)
        books = []
        for title in TITLES:
            with acting_user(rng.choice([admin, bob])):
                book = Book.objects.create(
                    title=title,
                    author=rng.choice(authors),
                    published=datetime.date(1960 + rng.randrange(60), 1 + rng.randrange(12), 1),
                    price=decimal.Decimal(rng.randrange(500, 4000)) / 100,
                    metadata={"pages": rng.randrange(150, 900), "formats": ["paperback"]},
                )
                book.tags.add(*rng.sample(tags, 2))
            books.append(book)
        for _ in range(40):
            user = rng.choice(users)
            with acting_user(user):
                choice = rng.randrange(5)
                if choice == 0:
                    car = rng.choice(cars)
                    car.manufacturer = f"{car.manufacturer.split()[0]} {rng.choice('ABCDEFG')}"
                    car.save()
                elif choice == 1:
                    engine = rng.choice(cars).engine
                    engine.num_cylinders = rng.choice([3, 4, 6, 8])
                    engine.save()
                elif choice == 2:
                    book = rng.choice(books)
                    book.price = decimal.Decimal(rng.randrange(500, 4000)) / 100
                    book.metadata["formats"].append(rng.choice(["ebook", "audio", "hardback"]))
                    book.save()
                elif choice == 3:
                    book = rng.choice(books)
                    book.tags.set(rng.sample(tags, rng.randrange(0, 3)))
                else:
                    Event.objects.create(
                        event_type="cars.serviced",
                        target=rng.choice(cars),
                        data={"mileage": rng.randrange(1000, 90000), "garage": "Main St."},
                    )
        with acting_user(alice):
            Cylinder.objects.filter(engine__car=cars[-1]).first().delete()
            cars[0].delete()
        with acting_user(carol):
            club = Club.objects.create(name="Readers <b>&</b> Drivers")
            person = Person.objects.create(name="Dora <script>alert(1)</script>")
            club.members.add(person)

    def _spread_over_a_week(self):
        # Events are immutable; only the demo rewrites their times, through the base
        # manager, so that the timeline shows a week of history instead of one second.
        events = list(Event._base_manager.order_by("id").values_list("id", flat=True))
        now = timezone.now()
        count = len(events)
        for index, event_id in enumerate(events):
            when = now - datetime.timedelta(minutes=(count - index) * 150)
            Event._base_manager.filter(pk=event_id).update(created_at=when)
            EventAggregate._base_manager.filter(event_id=event_id).update(created_at=when)
