"""Background jobs of the duplicate finder."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from kelu.quality import duplicates

INCREMENTAL_INTERVAL = timedelta(minutes=15)


@task()
def scan_duplicates(full: bool = False) -> int:
    """Look for duplicates (everything, or what changed since the last scan); returns the pairs found."""
    return duplicates.scan(full=full).pairs


@task()
def refresh_duplicates() -> int:
    """The recurring incremental scan: new and changed customers (imports included) are checked every 15 minutes."""
    found = duplicates.scan().pairs
    if not settings.TESTING:
        refresh_duplicates.using(run_after=timezone.now() + INCREMENTAL_INTERVAL).enqueue()
    return found


@task()
def run_bulk_edit(bulk_id: int) -> int:
    """Apply a bulk edit (resuming from its checkpoint); returns how many customers changed."""
    from kelu.quality.bulk import bulk_edit_run

    return bulk_edit_run(bulk_id).changed
