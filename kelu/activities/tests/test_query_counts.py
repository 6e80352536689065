"""Lists whose cost must not grow with their length: the timeline, My day and the API lists."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kelu.activities import services
from kelu.followups import services as follow_up_services


def _fill(owner, customer, count):
    zhang = customer.contacts.get(name="张伟")
    for n in range(count):
        activity = services.activity_create(
            actor=owner, customer=customer, contact=zhang,
            values={"kind": "call", "occurred_at": timezone.now() - timedelta(hours=n + 1), "subject": f"第{n}次"},
            attachments=[SimpleUploadedFile(f"{n}.txt", b"x")],
        )  # fmt: skip
        follow_up_services.follow_up_create(
            actor=owner, customer=customer, contact=zhang, activity=activity,
            values={"title": f"跟进{n}", "due_at": timezone.now() + timedelta(hours=n - 3)},
        )  # fmt: skip


def _queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_list_costs_do_not_grow_with_their_length(owner_client, owner_api, owner, customer):
    paths = [
        f"/customers/{customer.pk}/timeline/",
        f"/contacts/{customer.contacts.get(name='张伟').pk}/timeline/",
        "/my-day/",
        "/api/v1/activities/",
        "/api/v1/followups/",
    ]
    _fill(owner, customer, 2)
    owner_api.get("/api/v1/users/me/")  # the token's first use of the minute is recorded: not part of the lists
    few = {path: _queries(owner_api if "/api/" in path else owner_client, path) for path in paths}
    _fill(owner, customer, 8)
    many = {path: _queries(owner_api if "/api/" in path else owner_client, path) for path in paths}
    assert many == few
