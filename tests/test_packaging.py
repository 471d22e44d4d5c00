"""Build the sdist and a wheel from it, install the wheel in a fresh venv and render from it."""

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.packaging

CHECK = textwrap.dedent(
    """
    import sys
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                        "django.contrib.staticfiles", "django_htmx", "django_tables2",
                        "django_filters", "tsunami"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                    "APP_DIRS": True}],
        ROOT_URLCONF="check_urls",
        STATIC_URL="/static/",
    )
    django.setup()
    import tsunami
    from django.contrib.staticfiles import finders
    from django.template.loader import get_template

    from django.template.loader import render_to_string

    assert "site-packages" in tsunami.__file__, tsunami.__file__
    page = render_to_string("tsunami/base.html")
    assert 'href="/static/tsunami/tsunami.css"' in page, page
    assert 'href="/events/"' in page, page
    print(finders.find("tsunami/tsunami.css"))
    print(get_template("tsunami/partials/diff.html").origin.name)
    """
)


URLS = textwrap.dedent(
    """
    from django.urls import include, path

    urlpatterns = [path("events/", include("tsunami.urls"))]
    """
)


def run(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def test_the_wheel_ships_templates_and_static_files_that_django_finds(tmp_path):
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT), timeout=600)
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tsunami/templates/tsunami/base.html" in names
    assert "tsunami/static/tsunami/tsunami.css" in names
    assert "tsunami/migrations/0001_initial.py" in names
    assert not any(name.startswith("tests/") for name in names)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    python = venv / "bin" / "python"
    run(str(python), "-m", "pip", "install", "-q", str(wheel), timeout=600)
    (tmp_path / "check_urls.py").write_text(URLS)
    result = run(str(python), "-c", CHECK, cwd=tmp_path, timeout=120)
    css, template = result.stdout.split()
    assert css.endswith("site-packages/tsunami/static/tsunami/tsunami.css")
    assert "site-packages/tsunami/templates/tsunami/partials/" in template
