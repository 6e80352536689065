"""/healthz: for load balancers and monitoring, no login, never cached."""

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from kelu.core import health
from kelu.customers.tasks import purge_trash

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_healthz_answers_200_with_database_and_queue_status(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok", "vendor": connection.vendor}
    assert body["queue"]["status"] == "ok"


def test_healthz_reports_the_backlog_of_the_database_queue(client, db):
    with override_settings(TASKS=DATABASE_QUEUE):
        assert client.get("/healthz").json()["queue"] == {
            "status": "ok",
            "backend": "database",
            "ready": 0,
            "oldest_ready_seconds": 0,
        }
        purge_trash.enqueue()
        queue = client.get("/healthz").json()["queue"]
    assert (queue["ready"], queue["oldest_ready_seconds"] >= 0) == (1, True)


def test_healthz_answers_503_when_the_database_is_down(client, db, monkeypatch):
    class DownConnection:
        vendor = "sqlite"

        def cursor(self):
            raise OperationalError("unable to open database file")

    monkeypatch.setattr(health, "connection", DownConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": {"status": "error", "vendor": "sqlite", "error": "OperationalError"},
        "queue": {"status": "unknown"},
    }


def test_healthz_works_for_a_logged_in_user_too(owner_client):
    assert owner_client.get("/healthz").status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_rejects_other_methods(client, db, method):
    assert getattr(client, method)("/healthz").status_code == 405


def test_healthz_is_not_redirected_to_https_while_pages_are(client, db):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/healthz").status_code == 200
        assert client.get("/accounts/login/").status_code == 301
