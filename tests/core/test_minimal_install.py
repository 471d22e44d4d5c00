"""The seed README's setup: only ``tsunami`` added to a project's apps, and no timeline apps."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROJECT = textwrap.dedent(
    """
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="minimal",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=[
            "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
            "django.contrib.sessions", "django.contrib.messages", "tsunami",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "tsunami.middleware.user_tracking",
        ],
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]},
        }],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        ROOT_URLCONF="minimal_urls",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        USE_TZ=True,
    )
    django.setup()

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tsunami.models import Event

    setup_test_environment()
    call_command("check", fail_level="WARNING")
    call_command("migrate", verbosity=0)
    root = User.objects.create_superuser("root", "root@example.com", "pw")
    types = list(Event.objects.values_list("event_type", flat=True))
    assert types == ["auth.user.created"], types

    client = Client()
    client.force_login(root)
    pages = {
        "changelist": "/admin/tsunami/event/",
        "detail": f"/admin/tsunami/event/{Event.objects.earliest('id').pk}/change/",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert "auth.user.created" in response.content.decode(), name
    history = client.get(f"/admin/auth/user/{root.pk}/history/")
    assert history.status_code == 302, history.status_code
    assert history["Location"].startswith("/admin/tsunami/event/?"), history["Location"]
    assert client.get(history["Location"]).status_code == 200
    print("minimal project ok")
    """
)

URLS = textwrap.dedent(
    """
    from django.contrib import admin
    from django.urls import path

    urlpatterns = [path("admin/", admin.site.urls)]
    """
)


def test_a_project_with_only_tsunami_added_records_events_and_serves_the_admin(tmp_path):
    (tmp_path / "minimal_urls.py").write_text(URLS)
    result = subprocess.run(
        [sys.executable, "-c", PROJECT],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "minimal project ok"
