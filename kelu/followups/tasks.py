"""Background jobs of follow-ups: one reminder at its time, and the recurring sweep and daily digests."""

from datetime import timedelta

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django_tasks import task

from kelu.core import clock
from kelu.followups import services

SWEEP_INTERVAL = timedelta(minutes=5)
DIGEST_INTERVAL = timedelta(hours=1)  # each user gets theirs at most once a day, in the first run after 8:00 local


@task()
def send_reminder(follow_up_id: int, remind_at: str) -> bool:
    """Queued with ``run_after=remind_at`` whenever a follow-up's reminder time is set or changed."""
    return services.reminder_send(follow_up_id, parse_datetime(remind_at))


@task()
def send_due_reminders() -> int:
    """The recurring safety net for reminders whose queue entry was lost (e.g. a Redis restart)."""
    sent = services.reminders_send_due()
    if not settings.TESTING:
        send_due_reminders.using(run_after=clock.now() + SWEEP_INTERVAL).enqueue()
    return sent


@task()
def send_digests() -> int:
    """The recurring daily digest of overdue follow-ups."""
    sent = services.digests_send()
    if not settings.TESTING:
        send_digests.using(run_after=clock.now() + DIGEST_INTERVAL).enqueue()
    return sent
