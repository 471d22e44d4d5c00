"""Settings of the demo: the test project on a SQLite file, served on 127.0.0.1."""

from tests.settings import *  # noqa: F403
from tests.settings import BASE_DIR

DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR.parent / "demo.sqlite3",
    }
}
ROOT_URLCONF = "tests.demo_urls"
