"""Reminders fire once at their time (a controllable clock), never for cancelled or deleted follow-ups, and are
rescheduled when the follow-up changes; the daily digest lists exactly the user's overdue follow-ups."""

from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings
from django_tasks import default_task_backend
from django_tasks.backends.dummy import DummyBackend

from kelu.customers import services as customer_services
from kelu.followups import selectors, services, tasks
from kelu.followups.models import FollowUp, Notification, Preferences

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _plan(actor, customer, clock, *, due_in=timedelta(hours=2), remind_before=timedelta(hours=1), **values):
    due = clock.now() + due_in
    return services.follow_up_create(
        actor=actor,
        customer=customer,
        values={
            "title": "回访报价",
            "due_at": due,
            "remind_at": due - remind_before if remind_before else None,
            **values,
        },
    )


def _reminders(user):
    return Notification.objects.filter(user=user, kind=Notification.Kind.REMINDER).count()


def test_a_reminder_fires_once_at_its_time(owner, customer, clock):
    follow_up = _plan(owner, customer, clock)
    assert services.reminders_send_due() == 0  # not yet
    clock.advance(timedelta(minutes=59))
    assert not services.reminder_send(follow_up.pk, follow_up.remind_at)
    assert _reminders(owner) == 0
    clock.advance(timedelta(minutes=1))
    assert services.reminder_send(follow_up.pk, follow_up.remind_at)
    assert _reminders(owner) == 1
    # A second queued run, the sweep, a retry: nothing more.
    assert not services.reminder_send(follow_up.pk, follow_up.remind_at)
    assert services.reminders_send_due() == 0
    clock.advance(timedelta(days=1))
    assert services.reminders_send_due() == 0
    assert _reminders(owner) == 1
    assert FollowUp.objects.get(pk=follow_up.pk).reminder_sent_at is not None


def test_no_reminder_after_cancellation_or_deletion(owner, customer, clock):
    cancelled = _plan(owner, customer, clock)
    deleted = _plan(owner, customer, clock)
    services.follow_up_cancel(actor=owner, follow_up=cancelled)
    remind_at, deleted_pk = deleted.remind_at, deleted.pk
    services.follow_up_delete(actor=owner, follow_up=deleted)
    clock.advance(timedelta(hours=3))
    assert not services.reminder_send(cancelled.pk, cancelled.remind_at)
    assert not services.reminder_send(deleted_pk, remind_at)
    assert services.reminders_send_due() == 0
    assert _reminders(owner) == 0


def test_no_reminder_for_a_customer_in_the_trash(owner, customer, clock):
    follow_up = _plan(owner, customer, clock)
    customer_services.customer_delete(actor=owner, customer=customer)
    clock.advance(timedelta(hours=3))
    assert not services.reminder_send(follow_up.pk, follow_up.remind_at)


@override_settings(TASKS=DUMMY_TASKS)
def test_reminders_are_queued_for_their_time_and_rescheduled_when_the_follow_up_changes(
    owner, customer, clock, django_capture_on_commit_callbacks
):
    backend = cast(DummyBackend, default_task_backend)
    backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = _plan(owner, customer, clock)
    (first,) = backend.results
    assert first.task.run_after == follow_up.remind_at
    assert first.args == [follow_up.pk, follow_up.remind_at.isoformat()]

    later = follow_up.remind_at + timedelta(minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_up_update(actor=owner, follow_up=follow_up, values={"remind_at": later})
    second = backend.results[-1]
    assert second.task.run_after == later

    # Each queued run executes at its time: the stale one finds a different reminder time and does nothing.
    clock.set(follow_up.remind_at)
    assert tasks.send_reminder.call(*first.args) is False
    clock.set(later)
    assert tasks.send_reminder.call(*second.args) is True
    assert tasks.send_reminder.call(*second.args) is False
    assert _reminders(owner) == 1

    # A title change does not queue another run; cancelling queues nothing either.
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_up_update(actor=owner, follow_up=follow_up, values={"title": "改个标题"})
        services.follow_up_cancel(actor=owner, follow_up=follow_up)
    assert len(backend.results) == 2


def test_a_changed_reminder_time_is_a_new_reminder(owner, customer, clock):
    follow_up = _plan(owner, customer, clock)
    clock.advance(timedelta(hours=1))
    assert services.reminders_send_due() == 1
    services.follow_up_update(
        actor=owner,
        follow_up=follow_up,
        values={"due_at": clock.now() + timedelta(days=1), "remind_at": clock.now() + timedelta(hours=5)},
    )
    clock.advance(timedelta(hours=5))
    assert services.reminders_send_due() == 1
    assert _reminders(owner) == 2


@override_settings(KELU_EMAIL_CONFIGURED=True)
def test_the_reminder_email_is_in_the_assignees_language(
    owner, teammate, customer, clock, django_capture_on_commit_callbacks
):
    customer_services.customer_share(actor=owner, customer=customer, user=teammate)
    teammate.email, teammate.language = "li@example.com", "en"
    teammate.save()
    owner.email = "owner@example.com"
    owner.save()
    for_teammate = _plan(owner, customer, clock, assignee=None)
    services.follow_up_update(actor=owner, follow_up=for_teammate, values={}, assignee=teammate)
    mine = _plan(owner, customer, clock)
    clock.advance(timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send_due() == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["li@example.com"].subject == f"Reminder: {for_teammate.title}"
    assert "上海星辰科技有限公司" in by_address["li@example.com"].body
    assert by_address["owner@example.com"].subject == f"提醒：{mine.title}"
    assert f"/followups/{mine.pk}/" in by_address["owner@example.com"].body


def test_no_email_without_a_mail_server(owner, customer, clock, django_capture_on_commit_callbacks):
    owner.email = "owner@example.com"
    owner.save()
    _plan(owner, customer, clock)
    clock.advance(timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send_due() == 1
    assert mail.outbox == [] and _reminders(owner) == 1


def test_assigning_to_someone_else_notifies_them(owner, teammate, outsider, customer, clock):
    customer_services.customer_share(actor=owner, customer=customer, user=teammate)
    follow_up = services.follow_up_create(
        actor=owner,
        customer=customer,
        assignee=teammate,
        values={"title": "拜访", "due_at": clock.now() + timedelta(days=1)},
    )
    assert Notification.objects.filter(user=teammate, kind="assigned", follow_up=follow_up).exists()
    with pytest.raises(Exception) as error:
        services.follow_up_update(actor=owner, follow_up=follow_up, values={}, assignee=outsider)
    assert "assignee" in error.value.message_dict  # type: ignore[attr-defined]


# --- the digest ------------------------------------------------------------------------------------------------------


def _morning(clock, hour=9):
    """Today at ``hour`` o'clock in Shanghai (the users' zone)."""
    local = clock.now().astimezone(SHANGHAI)
    clock.set(datetime(local.year, local.month, local.day, hour, tzinfo=SHANGHAI))


@override_settings(KELU_EMAIL_CONFIGURED=True)
def test_the_digest_lists_exactly_the_users_overdue_follow_ups(
    owner, teammate, customer, clock, django_capture_on_commit_callbacks
):
    customer_services.customer_share(actor=owner, customer=customer, user=teammate)
    owner.email = "owner@example.com"
    owner.save()
    _morning(clock)
    due = lambda hours: {"due_at": clock.now() + timedelta(hours=hours)}  # noqa: E731
    overdue = [
        services.follow_up_create(actor=owner, customer=customer, values={"title": f"逾期{n}", **due(-n)})
        for n in (1, 30)
    ]
    services.follow_up_create(actor=owner, customer=customer, values={"title": "以后再说", **due(5)})
    done = services.follow_up_create(actor=owner, customer=customer, values={"title": "已完成", **due(-2)})
    services.follow_up_complete(actor=owner, follow_up=done)
    cancelled = services.follow_up_create(actor=owner, customer=customer, values={"title": "已取消", **due(-2)})
    services.follow_up_cancel(actor=owner, follow_up=cancelled)
    services.follow_up_create(actor=owner, customer=customer, assignee=teammate, values={"title": "同事的", **due(-3)})

    assert list(selectors.overdue_for(owner)) == sorted(overdue, key=lambda f: f.due_at)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digests_send() == 2  # the owner and the teammate
    (message,) = [m for m in mail.outbox if m.to == ["owner@example.com"]]
    listed = [line for line in message.body.splitlines() if line.startswith("- ")]
    assert sorted(listed) == sorted(f"- {f.title} · 上海星辰科技有限公司 · {_short(f.due_at)}" for f in overdue)
    assert Notification.objects.get(user=owner, kind="digest").count == 2
    # Once a day.
    clock.advance(timedelta(hours=3))
    assert services.digests_send() == 0
    clock.advance(timedelta(days=1))
    assert services.digests_send() == 2


def _short(moment):
    from django.utils import formats, timezone

    with timezone.override(SHANGHAI):
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def test_the_digest_waits_for_the_morning_and_respects_the_opt_out(owner, customer, clock):
    _morning(clock, hour=6)
    services.follow_up_create(
        actor=owner, customer=customer, values={"title": "逾期", "due_at": clock.now() - timedelta(hours=1)}
    )
    assert services.digests_send() == 0
    services.preferences_update(user=owner, daily_digest=False)
    _morning(clock, hour=9)
    assert services.digests_send() == 0
    services.preferences_update(user=owner, daily_digest=True)
    assert services.digests_send() == 1
    assert Preferences.objects.get(user=owner).digest_sent_on == clock.now().astimezone(SHANGHAI).date()


def test_the_recurring_tasks_are_registered():
    from kelu.core.schedule import recurring_tasks

    names = {task.name for task in recurring_tasks()}
    assert {"send_due_reminders", "send_digests"} <= names
