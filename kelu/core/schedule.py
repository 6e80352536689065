"""Recurring jobs. The Tasks API has no cron: each recurring task re-enqueues itself with ``run_after``, and a
starting worker makes sure every one of them is queued once (see `kelu worker`)."""

from django.conf import settings
from django_tasks.base import Task


def recurring_tasks() -> list[Task]:
    from kelu.customers.tasks import purge_trash
    from kelu.followups.tasks import send_digests, send_due_reminders
    from kelu.quality.tasks import refresh_duplicates
    from kelu.transfer.tasks import resume_imports

    return [purge_trash, refresh_duplicates, resume_imports, send_due_reminders, send_digests]


def ensure_recurring_tasks() -> list[str]:
    """Queue each recurring task that has no pending run; returns the names queued."""
    queued = []
    for task in recurring_tasks():
        if not _pending(task):
            task.enqueue()
            queued.append(task.name)
    return queued


def _pending(task: Task) -> bool:
    """Whether a run of the task is already queued, scheduled or running (so starting workers do not pile them up)."""
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
        import django_rq
        from rq.job import Job

        queue = django_rq.get_queue(task.queue_name)
        ids = [
            *queue.job_ids,
            *queue.scheduled_job_registry.get_job_ids(),
            *queue.started_job_registry.get_job_ids(),
        ]
        jobs = Job.fetch_many(ids, connection=queue.connection)
        return any(job is not None and job.func_name == task.module_path for job in jobs)
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task.module_path, status__in=["READY", "RUNNING"]).exists()
