"""The test project with a swapped-in user model."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.customuser"]
AUTH_USER_MODEL = "customuser.Member"
if "NAME" in DATABASES["default"] and DATABASES["default"]["NAME"] != ":memory:":
    DATABASES["default"]["NAME"] = os.environ.get("TSUNAMI_TEST_DB_NAME", "tsunami") + "_swapped"
