"""Log a call from a customer page with a next step, find the follow-up in My day, and complete it there (htmx)."""

import pytest
from playwright.sync_api import Page, expect

from e2e.test_customers_browser import log_in
from kelu.accounts.services import user_create
from kelu.activities.models import Activity
from kelu.customers import services
from kelu.followups.models import FollowUp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_a_call_with_a_next_step_then_complete_it_in_my_day(page: Page, live_server):
    user, password = user_create(username="hanmeimei", role="sales", teams=["华东"])
    customer = services.customer_create(
        actor=user,
        values={"name": "苏州湖畔贸易"},
        contacts=[{"values": {"name": "刘洋"}, "points": [{"kind": "phone", "value": "13912345678"}]}],
    )
    log_in(page, live_server.url, user.username, password)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    url = page.url

    timeline = page.get_by_test_id("timeline")
    timeline.get_by_test_id("log-activity").click()
    form = page.get_by_test_id("activity-form")
    form.locator("#id_kind").select_option("call")
    expect(form.locator("#id_place")).to_be_hidden()  # only the call's own fields
    form.locator("#id_contact").select_option(label="刘洋")
    form.locator("#id_direction").select_option("outbound")
    form.locator("#id_duration_minutes").fill("8")
    form.locator("#id_outcome").select_option("connected")
    form.locator("#id_notes").fill("对新报价有兴趣，下周再联系")
    form.locator("#id_next_title").fill("寄送样品")
    form.locator("#id_next_due_at").fill("2030-01-15T10:00")
    form.get_by_test_id("save-activity").click()

    timeline = page.get_by_test_id("timeline")
    expect(timeline.get_by_test_id("timeline-activity")).to_contain_text("对新报价有兴趣")
    expect(timeline.get_by_test_id("timeline-activity")).to_contain_text("寄送样品")
    assert page.url == url  # logged in place
    expect(page.locator("#customer-last-contacted")).not_to_have_text("—")  # the details card follows
    activity = Activity.objects.get()
    assert (activity.kind, activity.duration_seconds, activity.contact.name) == ("call", 480, "刘洋")
    follow_up = FollowUp.objects.get()
    assert (follow_up.origin, follow_up.activity_id, follow_up.assignee_id) == ("interaction", activity.pk, user.pk)

    # The follow-up is due later: put it in today's list, as if the day had come.
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=follow_up.created_at)
    page.get_by_test_id("nav-my-day").click()
    overdue = page.get_by_test_id("section-overdue")
    expect(overdue.get_by_test_id("follow-up")).to_contain_text("寄送样品")
    expect(overdue.get_by_test_id("follow-up")).to_contain_text("苏州湖畔贸易")
    my_day_url = page.url
    overdue.get_by_test_id("complete").click()
    expect(page.get_by_test_id("section-overdue").get_by_test_id("follow-up")).to_have_count(0)
    expect(page.get_by_test_id("section-done").get_by_test_id("follow-up")).to_contain_text("寄送样品")
    assert page.url == my_day_url
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.completed_at is not None


def test_log_this_call_from_a_contacts_phone_opens_the_call_form_in_place(page: Page, live_server):
    user, password = user_create(username="lilei2", role="sales", teams=["华东"])
    customer = services.customer_create(
        actor=user,
        values={"name": "宁波港湾物流"},
        contacts=[{"values": {"name": "周敏"}, "points": [{"kind": "phone", "value": "13712345678"}]}],
    )
    log_in(page, live_server.url, user.username, password)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    expect(page.get_by_test_id("timeline")).to_be_visible()
    page.get_by_test_id("contact-row").get_by_test_id("log-call").click()
    form = page.get_by_test_id("activity-form")
    expect(form.locator("#id_kind")).to_have_value("call")
    expect(form.locator("#id_contact")).to_have_value(str(customer.contacts.get().pk))
    expect(form.locator("#id_outcome")).to_be_visible()
    form.locator("#id_outcome").select_option("no_answer")
    form.get_by_test_id("save-activity").click()
    expect(page.get_by_test_id("timeline-activity")).to_contain_text("周敏")
    assert Activity.objects.get().outcome == "no_answer"
