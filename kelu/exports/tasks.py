"""Background exports."""

from django_tasks import task


@task()
def run_export(job_id: int) -> int:
    """Write a large export to a file in the data directory; returns its row count."""
    from kelu.exports.services import export_run

    return export_run(job_id).rows
