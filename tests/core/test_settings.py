import re
from types import SimpleNamespace

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test.utils import override_settings

from tests.testapp.models import Car
from tsunami import checks, conf
from tsunami.apps import TsunamiConfig


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"EXCLUDE_APP": ["x"]}, "unknown key 'EXCLUDE_APP'"),
        ({"EXCLUDE_APPS": "testapp"}, "TSUNAMI['EXCLUDE_APPS'] must be a list of strings"),
        ({"INCLUDE_MODELS": [1]}, "TSUNAMI['INCLUDE_MODELS'] must be None or a list of strings"),
        ({"MASK_FIELDS": {"auth.User": "password"}}, "TSUNAMI['MASK_FIELDS'] must map"),
        ({"EXCLUDE_FIELDS": ["x"]}, "TSUNAMI['EXCLUDE_FIELDS'] must map"),
        ({"IS_TRACKED": 3}, "TSUNAMI['IS_TRACKED'] must be a callable"),
        ({"MASK_VALUE": None}, "TSUNAMI['MASK_VALUE'] must be a string"),
        ({"REPLACE_ADMIN_HISTORY": "no"}, "TSUNAMI['REPLACE_ADMIN_HISTORY'] must be True or False"),
        ([], "TSUNAMI must be a dict"),
    ],
)
def test_bad_settings_are_a_clear_error_and_a_system_check(config, message, monkeypatch):
    with (
        pytest.raises(ImproperlyConfigured, match=re.escape(message)),
        override_settings(TSUNAMI=config),
    ):
        pass  # pragma: no cover - never reached
    monkeypatch.setattr(checks, "settings", SimpleNamespace(TSUNAMI=config))
    errors = checks.check_settings()
    assert len(errors) == 1
    assert message in errors[0].msg
    assert errors[0].id == "tsunami.E001"


def test_tracking_still_works_after_a_refused_override():
    with pytest.raises(ImproperlyConfigured), override_settings(TSUNAMI={"NOPE": 1}):
        pass  # pragma: no cover
    assert conf.is_tracked(Car)


def test_the_app_refuses_to_start_with_bad_settings(monkeypatch):
    from django.apps import apps

    monkeypatch.setattr(conf, "settings", SimpleNamespace(TSUNAMI={"EXCLUDE_APP": ["x"]}))
    with pytest.raises(ImproperlyConfigured, match="unknown key 'EXCLUDE_APP'"):
        TsunamiConfig.ready(apps.get_app_config("tsunami"))


@pytest.mark.django_db
def test_default_settings_pass_the_checks():
    assert not [e for e in run_checks() if e.id.startswith("tsunami.")]


@pytest.mark.django_db
def test_tracking_middleware_before_authentication_is_a_warning(settings):
    settings.MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "tsunami.middleware.user_tracking",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    assert [e.id for e in run_checks() if e.id.startswith("tsunami.")] == ["tsunami.W001"]


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    call_command("makemigrations", "tsunami", "--check", "--dry-run", verbosity=0)
