"""Status of the parts Kelu depends on, for /healthz and `kelu` diagnostics."""

from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor}


def queue_status() -> dict[str, Any]:
    """How much work waits for a worker: a growing backlog means no worker is running."""
    backend = str(settings.TASKS["default"]["BACKEND"])
    try:
        if backend == "django_tasks_db.DatabaseBackend":
            from django_tasks_db.models import DBTaskResult

            ready = DBTaskResult.objects.ready()
            oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
            waiting = int((timezone.now() - oldest).total_seconds()) if oldest else 0
            return {
                "status": "ok",
                "backend": "database",
                "ready": ready.count(),
                "oldest_ready_seconds": waiting,
            }
        if backend == "django_tasks_rq.RQBackend":
            import django_rq

            queue = django_rq.get_queue("default")
            queue.connection.ping()
            return {"status": "ok", "backend": "redis", "ready": queue.count}
    except Exception as exc:
        return {"status": "error", "backend": backend, "error": exc.__class__.__name__}
    return {"status": "ok", "backend": backend.rsplit(".", 1)[-1]}
