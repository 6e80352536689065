"""Background jobs of imports: the check, the import itself, its undo, and the watchdog that resumes killed runs."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

RESUME_INTERVAL = timedelta(minutes=1)


@task()
def validate_import(job_id: int) -> int:
    """Check every row of an import before it is written; returns the number of rows."""
    from kelu.transfer.services import import_validate_run

    return import_validate_run(job_id).total_rows


@task()
def run_import(job_id: int) -> int:
    """Import (resuming from the last checkpoint); returns the rows processed."""
    from kelu.transfer.services import import_run

    return import_run(job_id).rows_done


@task()
def undo_import(job_id: int) -> int:
    """Undo an import; returns how many records were left alone because they changed since."""
    from kelu.transfer.services import import_undo_run

    return len(import_undo_run(job_id).undo_report)


@task()
def resume_imports() -> int:
    """Recurring: queue again the imports whose worker died mid-run (they resume from their checkpoint), and remove
    uploads nobody imported for a week."""
    from kelu.transfer.services import abandoned_uploads_remove, resume_stalled

    resumed = len(resume_stalled())
    abandoned_uploads_remove()
    if not settings.TESTING:
        resume_imports.using(run_after=timezone.now() + RESUME_INTERVAL).enqueue()
    return resumed
