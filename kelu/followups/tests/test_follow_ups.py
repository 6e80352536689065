"""Follow-ups: next_follow_up_at on every write path, the overdue filter, My day and the calendar feed."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from icalendar import Calendar

from kelu.customers import services as customer_services
from kelu.customers.models import Customer
from kelu.followups import selectors, services
from kelu.followups.models import FollowUp
from kelu.quality import services as quality


def _plan(actor, customer, due, **kwargs):
    return services.follow_up_create(actor=actor, customer=customer, values={"title": "跟进", "due_at": due}, **kwargs)


def _next(customer):
    return Customer.objects.get(pk=customer.pk).next_follow_up_at


def test_next_follow_up_at_is_the_earliest_open_one_on_every_write(owner, customer, clock):
    later = _plan(owner, customer, clock.now() + timedelta(days=5))
    sooner = _plan(owner, customer, clock.now() + timedelta(days=1))
    assert _next(customer) == sooner.due_at
    services.follow_up_complete(actor=owner, follow_up=sooner)
    assert _next(customer) == later.due_at
    services.follow_up_set_status(actor=owner, follow_up=sooner, status="open")
    assert _next(customer) == sooner.due_at
    services.follow_up_cancel(actor=owner, follow_up=sooner)
    services.follow_up_snooze(actor=owner, follow_up=later, period="7d")
    assert _next(customer) == later.due_at + timedelta(days=7)
    services.follow_up_delete(actor=owner, follow_up=later)
    assert _next(customer) is None


def test_snoozing_moves_the_reminder_along(owner, customer, clock):
    follow_up = services.follow_up_create(
        actor=owner, customer=customer,
        values={"title": "打电话", "due_at": clock.now() - timedelta(hours=2),
                "remind_at": clock.now() - timedelta(hours=3)},
    )  # fmt: skip
    snoozed = services.follow_up_snooze(actor=owner, follow_up=follow_up, period="1d")
    assert snoozed.due_at == clock.now() + timedelta(days=1)  # overdue: from now, not from the past due time
    assert snoozed.remind_at == snoozed.due_at - timedelta(hours=1)
    assert snoozed.reminder_sent_at is None
    with pytest.raises(ValidationError):
        services.follow_up_snooze(actor=owner, follow_up=follow_up, period="forever")


def test_overdue_filter(owner, customer, clock):
    calm = customer_services.customer_create(actor=owner, values={"name": "不急的公司"})
    _plan(owner, customer, clock.now() + timedelta(hours=1))
    _plan(owner, calm, clock.now() + timedelta(days=3))
    assert not selectors.customers_with_overdue_follow_ups(Customer.objects.all()).exists()
    clock.advance(timedelta(hours=2))
    found = selectors.customers_with_overdue_follow_ups(Customer.objects.all())
    assert list(found) == [Customer.objects.get(pk=customer.pk)]


def test_merging_customers_moves_follow_ups_and_recomputes(owner, customer, clock):
    twin = customer_services.customer_create(actor=owner, values={"name": "上海星辰"})
    soon = _plan(owner, twin, clock.now() + timedelta(hours=3))
    quality.customers_merge(actor=owner, survivor=customer, others=[twin])
    assert _next(customer) == soon.due_at


def test_rules_of_who_plans_and_changes(owner, teammate, outsider, viewer, manager, customer, clock):
    for user in (outsider, viewer, teammate):
        with pytest.raises(PermissionDenied):
            _plan(user, customer, clock.now())
    follow_up = _plan(owner, customer, clock.now())
    assert services.may_change(manager, follow_up) and not services.may_change(teammate, follow_up)
    with pytest.raises(PermissionDenied):
        services.follow_up_complete(actor=outsider, follow_up=follow_up)
    with pytest.raises(ValidationError) as error:
        services.follow_up_create(
            actor=owner,
            customer=customer,
            values={"title": " ", "due_at": clock.now(), "remind_at": clock.now() + timedelta(hours=1)},
        )
    assert set(error.value.message_dict) == {"title", "remind_at"}


def test_my_day(owner, customer, clock):
    clock.set(clock.now().replace(hour=4, minute=0))  # 12:00 in Shanghai
    overdue = _plan(owner, customer, clock.now() - timedelta(hours=1))
    today = _plan(owner, customer, clock.now() + timedelta(hours=2))
    week = _plan(owner, customer, clock.now() + timedelta(days=3))
    _plan(owner, customer, clock.now() + timedelta(days=20))
    done = _plan(owner, customer, clock.now() + timedelta(days=2))
    services.follow_up_complete(actor=owner, follow_up=done)
    day = selectors.my_day(owner)
    assert (day["overdue"], day["today"], day["week"], day["done_today"]) == ([overdue], [today], [week], [done])


# --- the calendar feed -----------------------------------------------------------------------------------------------


def test_the_ics_feed_parses_and_holds_only_the_users_open_follow_ups(owner, teammate, customer, client, clock):
    customer_services.customer_share(actor=owner, customer=customer, user=teammate)
    mine = services.follow_up_create(
        actor=owner, customer=customer,
        values={"title": "送合同", "due_at": clock.now() + timedelta(days=1),
                "remind_at": clock.now() + timedelta(hours=20)},
    )  # fmt: skip
    closed = _plan(owner, customer, clock.now() + timedelta(days=2))
    services.follow_up_complete(actor=owner, follow_up=closed)
    _plan(owner, customer, clock.now() + timedelta(days=1), assignee=teammate)
    token = services.calendar_token_create(user=owner)

    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert [str(event["uid"]) for event in events] == [f"follow-up-{mine.pk}@kelu"]
    (event,) = events
    assert str(event["summary"]) == "送合同 · 上海星辰科技有限公司"
    assert event.decoded("dtstart") == mine.due_at.replace(microsecond=0)
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(hours=-4)


def test_a_wrong_or_revoked_feed_address_is_not_found(owner, customer, client, clock):
    _plan(owner, customer, clock.now())
    assert client.get("/calendar/guessed.ics").status_code == 404
    old = services.calendar_token_create(user=owner)
    new = services.calendar_token_create(user=owner)
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    services.calendar_token_revoke(user=owner)
    assert client.get(f"/calendar/{new}.ics").status_code == 404
    assert client.post(f"/calendar/{new}.ics").status_code == 405


def test_a_follow_up_of_a_customer_one_no_longer_sees_leaves_the_feed(owner, teammate, customer, client, clock):
    customer_services.customer_share(actor=owner, customer=customer, user=teammate)
    _plan(owner, customer, clock.now() + timedelta(days=1), assignee=teammate)
    token = services.calendar_token_create(user=teammate)
    assert len(Calendar.from_ical(client.get(f"/calendar/{token}.ics").content).walk("VEVENT")) == 1
    customer_services.customer_unshare(actor=owner, customer=customer, user=teammate)
    assert Calendar.from_ical(client.get(f"/calendar/{token}.ics").content).walk("VEVENT") == []
    assert FollowUp.objects.count() == 1


def test_handing_over_a_leavers_records_hands_over_their_open_follow_ups(owner, teammate, manager, customer, clock):
    from kelu.customers.services import records_transfer

    open_ = _plan(owner, customer, clock.now() + timedelta(days=1))
    done = _plan(owner, customer, clock.now() - timedelta(days=1))
    services.follow_up_complete(actor=owner, follow_up=done)
    records_transfer(actor=manager, from_user=owner, to_user=teammate)
    assert FollowUp.objects.get(pk=open_.pk).assignee == teammate
    assert FollowUp.objects.get(pk=done.pk).assignee == owner  # history stays as it was
