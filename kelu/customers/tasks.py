"""Background jobs of the customers app."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from kelu.customers import services

PURGE_INTERVAL = timedelta(days=1)


@task()
def purge_trash() -> int:
    """Remove records that have been in the trash too long, then schedule the next run (a daily job)."""
    removed = services.trash_purge_expired(days=settings.KELU_TRASH_DAYS)
    if not settings.TESTING:
        purge_trash.using(run_after=timezone.now() + PURGE_INTERVAL).enqueue()
    return removed
