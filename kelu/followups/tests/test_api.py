"""/api/v1/followups/ and /api/v1/notifications/: filters, permission scope, problem+json."""

from datetime import timedelta

from kelu.customers import services as customer_services
from kelu.followups import services
from kelu.followups.models import FollowUp, Notification


def test_plan_filter_complete_and_snooze(owner_api, owner, teammate, customer, clock):
    customer_services.customer_share(actor=owner, customer=customer, user=teammate)
    due = clock.now() + timedelta(days=1)
    response = owner_api.post(
        "/api/v1/followups/",
        {"title": "签合同", "due_at": due.isoformat(), "remind_at": (due - timedelta(hours=2)).isoformat(),
         "customer": customer.pk, "priority": "high"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    mine = response.json()
    assert (mine["assignee"], mine["status"], mine["origin"]) == (owner.pk, "open", "manual")
    services.follow_up_create(
        actor=owner,
        customer=customer,
        assignee=teammate,
        values={"title": "同事的", "due_at": clock.now() - timedelta(days=1)},
    )
    titles = lambda query: [row["title"] for row in owner_api.get(f"/api/v1/followups/?{query}").json()["results"]]  # noqa: E731
    assert sorted(titles("")) == ["同事的", "签合同"]
    assert titles("assignee=me") == ["签合同"]
    assert titles(f"assignee={teammate.pk}") == ["同事的"]
    assert titles(f"due_before={clock.now().isoformat().replace('+00:00', 'Z')}") == ["同事的"]
    assert titles(f"customer={customer.pk}&status=open&assignee=me") == ["签合同"]
    snoozed = owner_api.post(f"/api/v1/followups/{mine['id']}/snooze/", {"period": "1d"}, format="json").json()
    assert snoozed["due_at"] > mine["due_at"]
    done = owner_api.patch(f"/api/v1/followups/{mine['id']}/", {"status": "done"}, format="json").json()
    assert done["status"] == "done" and done["completed_at"]
    assert titles("status=done") == ["签合同"]
    assert owner_api.post(f"/api/v1/followups/{mine['id']}/complete/").status_code == 200


def test_bad_input_is_a_problem(owner_api, customer, clock):
    response = owner_api.post(
        "/api/v1/followups/", {"title": "", "due_at": "tomorrow", "customer": customer.pk}, format="json"
    )
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"title", "due_at"}
    assert owner_api.get("/api/v1/followups/?status=maybe").status_code == 400
    assert owner_api.get("/api/v1/followups/?due_before=soon").status_code == 400
    response = owner_api.post(
        "/api/v1/followups/", {"title": "x", "due_at": clock.now().isoformat(), "customer": customer.pk, "id": 5},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "id" in response.json()["errors"]
    assert not FollowUp.objects.exists()


def test_notifications_are_their_recipients(owner_api, bearer_client, outsider, viewer, owner, customer, clock):
    follow_up = services.follow_up_create(
        actor=owner, customer=customer, values={"title": "提醒我", "due_at": clock.now()}
    )
    notification = Notification.objects.create(user=owner, kind="reminder", follow_up=follow_up)
    listed = owner_api.get("/api/v1/notifications/?unread=1").json()["results"]
    assert [(row["id"], row["title"]) for row in listed] == [(notification.pk, "提醒我")]
    assert bearer_client(outsider).get(f"/api/v1/notifications/{notification.pk}/").status_code == 404
    assert bearer_client(outsider).post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 404
    assert owner_api.post(f"/api/v1/notifications/{notification.pk}/read/").json()["read_at"]
    assert owner_api.get("/api/v1/notifications/?unread=1").json()["results"] == []
    assert owner_api.post("/api/v1/notifications/read-all/").json() == {"unread": 0}
    assert bearer_client(viewer).post("/api/v1/notifications/read-all/").status_code == 403  # read-only role


def test_outsiders_get_404_in_the_api(bearer_client, outsider, owner, customer, clock):
    api = bearer_client(outsider)
    follow_up = services.follow_up_create(
        actor=owner, customer=customer, values={"title": "秘密", "due_at": clock.now()}
    )
    assert api.get("/api/v1/followups/").json()["results"] == []
    for method, path in [
        ("get", f"/api/v1/followups/{follow_up.pk}/"),
        ("patch", f"/api/v1/followups/{follow_up.pk}/"),
        ("delete", f"/api/v1/followups/{follow_up.pk}/"),
        ("post", f"/api/v1/followups/{follow_up.pk}/complete/"),
        ("post", f"/api/v1/followups/{follow_up.pk}/snooze/"),
    ]:
        response = getattr(api, method)(path, {"title": "x", "period": "1d"}, format="json")
        assert response.status_code == 404, f"{method} {path}"
    response = api.post(
        "/api/v1/followups/", {"title": "x", "due_at": clock.now().isoformat(), "customer": customer.pk}, format="json"
    )
    assert response.status_code == 404
    assert FollowUp.objects.get().title == "秘密"
