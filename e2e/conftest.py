import os
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body are still
# synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright cannot download a browser of its own here."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests commit for real (the live server reads from another thread), and the flush after each test also
    removes what migrations seeded (roles, choice options). With serialized rollback Django saves that content when it
    creates the test database and puts it back before each of these tests, whatever ran before them."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False)


@pytest.fixture(scope="session")
def _thread_connection(django_db_setup: None) -> BaseDatabaseWrapper:
    return connections[DEFAULT_DB_ALIAS]


@pytest.fixture(scope="session", autouse=True)
def _one_connection_under_playwright(_thread_connection: BaseDatabaseWrapper, playwright: Any) -> None:
    """Once Playwright's event loop runs in this thread, Django would hand the thread a new connection object, without
    what it saved for serialized rollback (which then silently restores nothing): keep the one it had."""
    connections[DEFAULT_DB_ALIAS] = _thread_connection
