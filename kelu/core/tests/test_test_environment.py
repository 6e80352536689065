"""The root conftest.py really configured the test environment before Django read its settings."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection


def test_testing_settings_are_in_effect():
    assert settings.TESTING
    assert not settings.DEBUG
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.MD5PasswordHasher"
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks.backends.immediate.ImmediateBackend"


def test_data_dir_is_a_throwaway_directory_not_var():
    assert settings.DATA_DIR.is_relative_to(Path(tempfile.gettempdir()).resolve())
    assert not settings.DATA_DIR.is_relative_to(settings.BASE_DIR)
    assert (settings.DATA_DIR / "secret_key").read_text().strip() == settings.SECRET_KEY


def test_tests_use_a_test_database(db):
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        assert "memory" in name
    else:
        assert name.startswith("test_")
