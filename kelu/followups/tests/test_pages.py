"""My day with htmx complete and snooze, the follow-up form, the bell, the profile's preferences, and 404s for
outsiders everywhere."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kelu.followups import services
from kelu.followups.models import FollowUp, Notification, Preferences


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def follow_up(owner, customer, clock):
    return services.follow_up_create(
        actor=owner, customer=customer, values={"title": "寄样品", "due_at": clock.now() - timedelta(hours=1)}
    )


def test_my_day_completes_and_snoozes_in_place(owner_client, follow_up):
    page = owner_client.get("/my-day/").content.decode()
    assert "寄样品" in page and 'data-testid="section-overdue"' in page
    response = owner_client.post(f"/followups/{follow_up.pk}/snooze/", {"period": "1d"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.due_at > timezone.now() + timedelta(hours=23)
    response = owner_client.post(f"/followups/{follow_up.pk}/complete/", headers={"HX-Request": "true"})
    assert 'data-testid="section-done"' in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.completed_at is not None


def test_plan_edit_and_delete_through_the_form(owner_client, owner, customer):
    due = timezone.now() + timedelta(days=1)
    response = owner_client.post(
        f"/customers/{customer.pk}/followups/new/",
        {"title": "电话回访", "due_at": _local(due), "remind_at": _local(due - timedelta(hours=1)),
         "assignee": owner.pk, "priority": "high"},
    )  # fmt: skip
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert (follow_up.priority, follow_up.origin, follow_up.customer) == ("high", "manual", customer)
    response = owner_client.post(
        f"/followups/{follow_up.pk}/",
        {"title": "电话回访", "due_at": _local(due), "remind_at": _local(due + timedelta(hours=1)),
         "assignee": owner.pk,
         "priority": "normal"},
    )  # fmt: skip
    assert response.status_code == 200 and "提醒时间必须早于截止时间。" in response.content.decode()
    assert owner_client.post(f"/followups/{follow_up.pk}/delete/").status_code == 302
    assert not FollowUp.objects.exists()


def test_planning_from_the_timeline_swaps_it_in_place(owner_client, owner, customer):
    path = f"/customers/{customer.pk}/followups/new/"
    assert 'data-testid="follow-up-form"' in owner_client.get(path, headers={"HX-Request": "true"}).content.decode()
    due = _local(timezone.now() + timedelta(days=3))
    response = owner_client.post(
        path,
        {"title": "准备方案", "due_at": due, "assignee": owner.pk, "priority": "normal"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and response["HX-Retarget"] == "#timeline"
    content = response.content.decode()
    assert "准备方案" in content and 'id="customer-next-follow-up" hx-swap-oob="true"' in content


def test_the_bell_counts_unread_notifications(owner_client, owner, follow_up):
    assert 'data-testid="bell"' in owner_client.get("/my-day/").content.decode()
    assert "unread-count" not in owner_client.get("/notifications/bell/").content.decode()
    notification = Notification.objects.create(user=owner, kind="reminder", follow_up=follow_up)
    assert ">1</span>" in owner_client.get("/notifications/bell/").content.decode()
    assert "寄样品" in owner_client.get("/notifications/").content.decode()
    response = owner_client.post(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == f"/followups/{follow_up.pk}/"
    assert "unread-count" not in owner_client.get("/notifications/bell/").content.decode()


def test_the_profile_turns_the_digest_off_and_makes_the_calendar_address(owner_client, owner, client):
    assert 'data-testid="follow-up-preferences"' in owner_client.get("/accounts/profile/").content.decode()
    owner_client.post("/followups/preferences/", {})
    assert Preferences.objects.get(user=owner).daily_digest is False
    page = owner_client.post("/followups/calendar/new/").content.decode()
    url = page.split('data-testid="calendar-url"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    assert client.get(url.removeprefix("http://testserver")).status_code == 200
    owner_client.post("/followups/calendar/revoke/")
    assert client.get(url.removeprefix("http://testserver")).status_code == 404


def test_outsiders_get_404_everywhere(client_as, outsider, owner, customer, follow_up):
    client = client_as(outsider)
    notification = Notification.objects.create(user=owner, kind="reminder", follow_up=follow_up)
    contact = customer.contacts.first()
    for method, path in [
        ("get", f"/customers/{customer.pk}/followups/new/"),
        ("post", f"/customers/{customer.pk}/followups/new/"),
        ("get", f"/contacts/{contact.pk}/followups/new/"),
        ("get", f"/followups/{follow_up.pk}/"),
        ("post", f"/followups/{follow_up.pk}/"),
        ("post", f"/followups/{follow_up.pk}/complete/"),
        ("post", f"/followups/{follow_up.pk}/snooze/"),
        ("post", f"/followups/{follow_up.pk}/cancel/"),
        ("post", f"/followups/{follow_up.pk}/reopen/"),
        ("post", f"/followups/{follow_up.pk}/delete/"),
        ("post", f"/notifications/{notification.pk}/open/"),
    ]:
        assert getattr(client, method)(path).status_code == 404, f"{method} {path}"
    assert "寄样品" not in client.get("/my-day/").content.decode()
    assert FollowUp.objects.get().status == "open"
    assert Notification.objects.get().read_at is None
