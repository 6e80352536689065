"""/api/v1/activities/: the same rules as the pages, with filters, cursor pages, problem+json and attachments."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kelu.activities import services
from kelu.activities.models import Activity
from kelu.customers.models import Customer


def test_log_list_filter_change_and_delete(owner_api, owner, customer):
    zhang = customer.contacts.get(name="张伟")
    response = owner_api.post(
        "/api/v1/activities/",
        {"kind": "transaction", "customer": customer.pk, "contact": zhang.pk, "amount": "8800.00", "currency": "usd",
         "subject": "首付款"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["currency"], body["author"], body["contact"]) == ("8800.00", "USD", owner.pk, zhang.pk)
    services.activity_create(
        actor=owner, customer=customer, values={"kind": "call", "occurred_at": timezone.now() - timedelta(days=3)}
    )
    listed = owner_api.get(f"/api/v1/activities/?customer={customer.pk}&author=me").json()
    assert [row["kind"] for row in listed["results"]] == ["transaction", "call"] and "next" in listed
    assert [r["kind"] for r in owner_api.get("/api/v1/activities/?kind=call").json()["results"]] == ["call"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert len(owner_api.get("/api/v1/activities/", {"occurred_after": since}).json()["results"]) == 1
    patched = owner_api.patch(f"/api/v1/activities/{body['id']}/", {"notes": "已到账"}, format="json")
    assert patched.status_code == 200 and patched.json()["notes"] == "已到账"
    assert owner_api.delete(f"/api/v1/activities/{body['id']}/").status_code == 204
    assert Customer.objects.get(pk=customer.pk).last_contacted_at == Activity.objects.get().occurred_at


def test_bad_input_is_a_problem_with_per_field_messages(owner_api, customer):
    response = owner_api.post(
        "/api/v1/activities/", {"kind": "call", "customer": customer.pk, "occurred_at": "2999-01-01T00:00:00Z",
                                "direction": "sideways"}, format="json",
    )  # fmt: skip
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"direction"}
    response = owner_api.post(
        "/api/v1/activities/", {"kind": "call", "customer": customer.pk, "occurred_at": "2999-01-01T00:00:00Z"},
        format="json", HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400 and "occurred_at" in response.json()["errors"]
    assert owner_api.get("/api/v1/activities/?occurred_after=yesterday").status_code == 400
    assert owner_api.post("/api/v1/activities/", {"kind": "call"}, format="json").status_code == 400
    assert not Activity.objects.exists()


def test_attachments_through_the_api(owner_api, bearer_client, outsider, owner, customer):
    activity = services.activity_create(actor=owner, customer=customer, values={"kind": "visit"})
    upload = SimpleUploadedFile("照片.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")
    response = owner_api.post(f"/api/v1/activities/{activity.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    download = response.json()["download"]
    file = owner_api.get(download)
    assert file.status_code == 200 and b"".join(file.streaming_content) == b"\xff\xd8jpeg"
    assert bearer_client(outsider).get(download).status_code == 404
    assert owner_api.delete(download).status_code == 204
    assert not activity.attachments.exists()


def test_outsiders_get_404_in_the_api(bearer_client, outsider, owner, customer):
    api = bearer_client(outsider)
    activity = services.activity_create(actor=owner, customer=customer, values={"kind": "call", "subject": "秘密"})
    assert api.get("/api/v1/activities/").json()["results"] == []
    assert api.get(f"/api/v1/activities/?customer={customer.pk}").json()["results"] == []
    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(f"/api/v1/activities/{activity.pk}/", {"subject": "x"}, format="json")
        assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert api.post("/api/v1/activities/", {"kind": "call", "customer": customer.pk}, format="json").status_code == 404
    assert Activity.objects.get().subject == "秘密"
