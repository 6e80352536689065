"""The private iCalendar feed of a user's open follow-ups, for phone and desktop calendars."""

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from kelu.accounts.models import User
from kelu.core import clock
from kelu.followups import selectors
from kelu.followups.models import FollowUp

FEED_LIMIT = 1000
EVENT_LENGTH = timedelta(minutes=30)


def calendar_feed(user: User) -> bytes:
    """Each open follow-up assigned to the user (that they may still see) as a 30-minute event at its due time,
    with an alarm at its reminder time."""
    calendar = Calendar()
    calendar.add("prodid", "-//Kelu//Follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Kelu follow-ups of %(user)s") % {"user": user})
    calendar.add("x-published-ttl", "PT1H")
    now = clock.now()
    follow_ups = (
        selectors.follow_up_list_queryset(user)
        .filter(assignee=user, status=FollowUp.Status.OPEN)
        .order_by("due_at", "id")[:FEED_LIMIT]
    )
    for follow_up in follow_ups:
        event = Event()
        event.add("uid", f"follow-up-{follow_up.pk}@kelu")
        event.add("dtstamp", now)
        event.add("last-modified", follow_up.updated_at)
        event.add("dtstart", follow_up.due_at)
        event.add("dtend", follow_up.due_at + EVENT_LENGTH)
        about = follow_up.customer or follow_up.contact
        event.add("summary", f"{follow_up.title} · {about}" if about else follow_up.title)
        url = settings.SITE_URL + follow_up.get_absolute_url()
        event.add("description", "\n\n".join(part for part in (follow_up.notes, url) if part))
        event.add("url", url)
        if follow_up.priority == FollowUp.Priority.HIGH:
            event.add("priority", 1)
        if follow_up.remind_at is not None:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", follow_up.title)
            alarm.add("trigger", follow_up.remind_at - follow_up.due_at)
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
