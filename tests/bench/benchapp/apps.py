from django.apps import AppConfig
from django.conf import settings


class BenchAppConfig(AppConfig):
    """The models every contestant of the benchmark writes and reads."""

    name = "tests.bench.benchapp"
    label = "benchapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        if settings.BENCH_CONTESTANT == "floor":
            from tests.bench import floor

            floor.connect()
        if settings.BENCH_CONTESTANT == "auditlog":
            from auditlog.registry import auditlog

            from tests.bench.benchapp.models import Author, Book, Tag

            auditlog.register(Author)
            auditlog.register(Tag)
            auditlog.register(Book, m2m_fields={"tags"})
