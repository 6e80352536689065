"""The interaction pages: quick add (with a next step), "log this call", the timeline, attachments, and 404s for
outsiders everywhere."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from kelu.activities import services
from kelu.activities.models import Activity, Attachment
from kelu.customers import services as customer_services
from kelu.customers.models import Customer
from kelu.followups.models import FollowUp


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def call(owner, customer):
    return services.activity_create(
        actor=owner, customer=customer, contact=customer.contacts.get(name="张伟"),
        values={"kind": "call", "occurred_at": timezone.now() - timedelta(hours=1), "subject": "首次电话"},
        attachments=[SimpleUploadedFile("报价单.pdf", b"%PDF-1.4 quote", content_type="application/pdf")],
    )  # fmt: skip


def test_quick_add_from_the_customer_page_with_a_next_step(owner_client, owner, customer):
    page = owner_client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/customers/{customer.pk}/timeline/" in page
    form = owner_client.get(f"/customers/{customer.pk}/activities/new/", headers={"HX-Request": "true"})
    assert form.status_code == 200 and 'data-testid="activity-form"' in form.content.decode()
    due = timezone.now() + timedelta(days=2)
    response = owner_client.post(
        f"/customers/{customer.pk}/activities/new/",
        {
            "kind": "call", "occurred_at": _local(timezone.now()), "direction": "outbound", "duration_minutes": "12",
            "outcome": "connected", "notes": "客户要报价", "currency": "CNY", "next_title": "发报价单",
            "next_due_at": _local(due), "next_assignee": owner.pk,
        },
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200 and response["HX-Retarget"] == "#timeline"
    activity = Activity.objects.get()
    assert (activity.kind, activity.duration_seconds, activity.author) == ("call", 720, owner)
    follow_up = FollowUp.objects.get()
    assert (follow_up.title, follow_up.origin, follow_up.activity, follow_up.assignee) == (
        "发报价单",
        "interaction",
        activity,
        owner,
    )
    content = response.content.decode()
    assert "客户要报价" in content and "发报价单" in content
    customer.refresh_from_db()
    assert customer.last_contacted_at == activity.occurred_at
    assert customer.next_follow_up_at == follow_up.due_at


def test_bad_input_is_answered_with_the_form_and_nothing_is_written(owner_client, customer):
    response = owner_client.post(
        f"/customers/{customer.pk}/activities/new/",
        {
            "kind": "transaction",
            "occurred_at": _local(timezone.now()),
            "next_title": "跟进",
            "next_due_at": _local(timezone.now() + timedelta(days=1)),
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "交易需要填写金额。" in content
    assert not Activity.objects.exists() and not FollowUp.objects.exists()


def test_log_this_call_from_a_contacts_phone(owner_client, customer):
    zhang = customer.contacts.get(name="张伟")
    page = owner_client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/contacts/{zhang.pk}/activities/new/?kind=call" in page
    assert (
        f"/contacts/{zhang.pk}/activities/new/?kind=call" in owner_client.get(f"/contacts/{zhang.pk}/").content.decode()
    )
    form = owner_client.get(f"/contacts/{zhang.pk}/activities/new/?kind=call").content.decode()
    assert '<option value="call" selected>' in form
    assert f'<option value="{zhang.pk}" selected>' in form
    response = owner_client.post(
        f"/contacts/{zhang.pk}/activities/new/?kind=call",
        {"kind": "call", "occurred_at": _local(timezone.now()), "contact": zhang.pk, "outcome": "no_answer"},
    )
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert Activity.objects.get().contact == zhang


def test_the_timeline_merges_interactions_follow_ups_and_changes_newest_first(owner_client, owner, customer, call):
    customer_services.customer_update(actor=owner, customer=customer, values={"level": ""}, tags=["重点"])
    FollowUp.objects.create(
        title="回访", due_at=timezone.now() + timedelta(days=1), customer=customer, assignee=owner, created_by=owner
    )
    content = owner_client.get(f"/customers/{customer.pk}/timeline/").content.decode()
    follow_up, change, activity = (content.index(marker) for marker in ("回访", "重点", "首次电话"))
    assert follow_up < change < activity  # due tomorrow, changed just now, called an hour ago
    only_calls = owner_client.get(f"/customers/{customer.pk}/timeline/?kind=call").content.decode()
    assert "首次电话" in only_calls and "回访" not in only_calls and "重点" not in only_calls
    only_changes = owner_client.get(f"/customers/{customer.pk}/timeline/?kind=changes").content.decode()
    assert "重点" in only_changes and "首次电话" not in only_changes


def test_the_timeline_comes_in_pages(owner_client, owner, customer):
    for hours in range(25):
        services.activity_create(
            actor=owner, customer=customer,
            values={"kind": "note", "subject": f"笔记{hours:02d}",
                    "occurred_at": timezone.now() - timedelta(hours=hours)},
        )  # fmt: skip
    first = owner_client.get(f"/customers/{customer.pk}/timeline/?kind=interactions").content.decode()
    assert "笔记00" in first and "笔记19" in first and "笔记20" not in first
    assert "page=2" in first
    second = owner_client.get(
        f"/customers/{customer.pk}/timeline/?kind=interactions&page=2", headers={"HX-Request": "true"}
    ).content.decode()
    assert "笔记20" in second and "笔记24" in second and "笔记19" not in second and "page=3" not in second


def test_the_contact_page_has_its_own_timeline(owner_client, customer, call):
    emily = customer.contacts.get(name="Emily Chen")
    zhang = call.contact
    assert "首次电话" in owner_client.get(f"/contacts/{zhang.pk}/timeline/").content.decode()
    assert "首次电话" not in owner_client.get(f"/contacts/{emily.pk}/timeline/").content.decode()


def test_attachments_are_stored_under_generated_names_and_downloaded_with_the_customers_rights(
    owner_client, client_as, teammate, owner, customer, call
):
    attachment = Attachment.objects.get()
    assert "报价单" not in attachment.file.name and attachment.original_name == "报价单.pdf"
    response = owner_client.get(f"/activities/attachments/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 quote"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert client_as(teammate).get(f"/activities/attachments/{attachment.pk}/").status_code == 404
    customer_services.customer_share(actor=owner, customer=customer, user=teammate)
    assert client_as(teammate).get(f"/activities/attachments/{attachment.pk}/").status_code == 200


@override_settings(KELU_ATTACHMENT_MAX_MB=1)
def test_an_attachment_over_the_limit_is_refused(owner_client, customer):
    big = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))
    response = owner_client.post(
        f"/customers/{customer.pk}/activities/new/",
        {"kind": "note", "occurred_at": _local(timezone.now()), "attachments": [big]},
    )
    assert response.status_code == 200 and "big.bin" in response.content.decode()
    assert not Activity.objects.exists() and not Attachment.objects.exists()


def test_deleting_an_interaction_removes_its_file(owner_client, call, django_capture_on_commit_callbacks):
    attachment = Attachment.objects.get()
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/activities/{call.pk}/delete/")
    assert response.status_code == 302
    assert not Activity.objects.exists() and not storage.exists(name)


def test_editing_by_the_author_and_refused_to_others(owner_client, client_as, teammate, owner, customer, call):
    customer_services.customer_share(actor=owner, customer=customer, user=teammate, can_edit=True)
    assert client_as(teammate).get(f"/activities/{call.pk}/edit/").status_code == 403
    response = owner_client.post(
        f"/activities/{call.pk}/edit/",
        {"kind": "call", "occurred_at": _local(call.occurred_at), "subject": "改过的", "contact": call.contact_id},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.subject == "改过的"


def test_outsiders_get_404_everywhere(client_as, outsider, customer, call):
    client = client_as(outsider)
    attachment = Attachment.objects.get()
    contact = call.contact
    for method, path in [
        ("get", f"/customers/{customer.pk}/timeline/"),
        ("get", f"/customers/{customer.pk}/activities/new/"),
        ("post", f"/customers/{customer.pk}/activities/new/"),
        ("get", f"/contacts/{contact.pk}/timeline/"),
        ("get", f"/contacts/{contact.pk}/activities/new/?kind=call"),
        ("get", f"/activities/{call.pk}/edit/"),
        ("post", f"/activities/{call.pk}/edit/"),
        ("post", f"/activities/{call.pk}/delete/"),
        ("get", f"/activities/attachments/{attachment.pk}/"),
        ("post", f"/activities/attachments/{attachment.pk}/delete/"),
    ]:
        assert getattr(client, method)(path).status_code == 404, f"{method} {path}"
    assert Activity.objects.count() == 1 and Attachment.objects.count() == 1
    assert Customer.objects.get(pk=customer.pk).last_contacted_at == call.occurred_at


def test_logging_on_the_contacts_page_refreshes_the_contacts_timeline(owner_client, customer):
    zhang = customer.contacts.get(name="张伟")
    response = owner_client.post(
        f"/contacts/{zhang.pk}/activities/new/?kind=call",
        {"kind": "call", "occurred_at": _local(timezone.now()), "contact": zhang.pk, "subject": "回电"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/contacts/{zhang.pk}/"},
    )
    assert response["HX-Retarget"] == "#timeline"
    assert f"/contacts/{zhang.pk}/timeline/" in response.content.decode()
    response = owner_client.post(
        f"/contacts/{zhang.pk}/activities/new/?kind=call",
        {"kind": "call", "occurred_at": _local(timezone.now()), "contact": zhang.pk, "subject": "再回电"},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/customers/{customer.pk}/"},
    )
    assert f"/customers/{customer.pk}/timeline/" in response.content.decode()
