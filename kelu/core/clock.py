"""The current time, asked for in one place so that tests can move it.

Code whose behaviour depends on "now" (reminders, digests, overdue lists, snoozing) calls ``clock.now()`` through the
module; a test replaces it with ``monkeypatch.setattr("kelu.core.clock.now", ...)`` (see the ``clock`` fixture).
"""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
