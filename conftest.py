"""The test environment, fixed before Django reads its settings.

kelu/settings.py reads KELU_* variables once, at import. pytest-django imports the settings as soon as it knows the
settings module, before any conftest runs, so the module is named here (not in pyproject.toml) after the variables
are set; ``pytest_configure`` then refuses to run if the settings were loaded some other way first.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

if "django.conf" in sys.modules and sys.modules["django.conf"].settings.configured:
    raise pytest.UsageError(
        "Django settings were loaded before conftest.py could set KELU_TESTING and KELU_DATA_DIR; "
        "unset DJANGO_SETTINGS_MODULE and do not pass --ds."
    )

# The developer's own KELU_* settings (an https site URL, Redis, another language) would change what the tests see;
# only the database may be chosen, for the PostgreSQL pass. Django creates and drops a separate test database there.
for name in [name for name in os.environ if name.startswith("KELU_") and name != "KELU_DATABASE_URL"]:
    del os.environ[name]
DATA_DIR = Path(tempfile.mkdtemp(prefix="kelu-test-"))
os.environ["KELU_TESTING"] = "1"
os.environ["KELU_DATA_DIR"] = str(DATA_DIR)
# WhiteNoise warns at start-up when STATIC_ROOT is missing; tests serve static files through the finders.
(DATA_DIR / "static").mkdir()
os.environ["DJANGO_SETTINGS_MODULE"] = "kelu.settings"

import django  # noqa: E402

django.setup()


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    if not settings.TESTING or DATA_DIR.resolve() != settings.DATA_DIR:
        raise pytest.UsageError(f"Test settings did not take effect (TESTING={settings.TESTING}, {settings.DATA_DIR}).")


def pytest_report_header(config: pytest.Config) -> str:
    from django.db import connection

    return f"kelu: database {connection.vendor}, data directory {DATA_DIR}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        # Exit status 5 already fails `make`; say why, so it is not mistaken for a crash or hidden by a wrapper.
        session.config.get_terminal_writer().line(
            "kelu: no tests ran — check the paths given to pytest, any -k/-m filter and the file names (test_*.py).",
            red=True,
            bold=True,
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(DATA_DIR, ignore_errors=True)
