import pytest
from django.core.exceptions import PermissionDenied

from kelu.customers import services
from kelu.customers.models import Customer
from kelu.quality import bulk as bulk_edits
from kelu.quality.models import BulkEdit


@pytest.fixture
def three(owner, teammate):
    mine = [services.customer_create(actor=owner, values={"name": f"客户{i}", "level": "a"}) for i in range(2)]
    shared = services.customer_create(actor=teammate, values={"name": "同事的客户", "level": "a"})
    services.customer_share(actor=teammate, customer=shared, user=owner)  # visible, read-only for the owner
    return [*mine, shared]


def _run(actor, ids, action, value, capture):
    with capture(execute=True):
        edit = bulk_edits.bulk_edit_start(actor=actor, ids=ids, action=action, value=value)
    return BulkEdit.objects.get(pk=edit.pk)


def test_bulk_edit_changes_what_it_may_and_reports_the_rest(owner, three, django_capture_on_commit_callbacks):
    edit = _run(owner, [c.pk for c in three], "level", {"value": "c"}, django_capture_on_commit_callbacks)
    assert edit.status == "done" and edit.done == 3 and edit.changed == 2
    assert [row["id"] for row in edit.refused] == [three[2].pk]
    assert [Customer.objects.get(pk=c.pk).level for c in three] == ["c", "c", "a"]


def test_undo_restores_everything_but_what_changed_since(owner, three, django_capture_on_commit_callbacks):
    mine = three[:2]
    edit = _run(owner, [c.pk for c in mine], "tag", {"value": ["展会"]}, django_capture_on_commit_callbacks)
    services.customer_update(actor=owner, customer=mine[1], values={"notes": "后来改的"})
    skipped = bulk_edits.bulk_edit_undo(actor=owner, bulk=edit)
    assert [row["id"] for row in skipped] == [mine[1].pk]
    assert not Customer.objects.get(pk=mine[0].pk).tags.exists()
    assert list(Customer.objects.get(pk=mine[1].pk).tags.values_list("name", flat=True)) == ["展会"]


def test_bulk_delete_and_undo(owner, three, django_capture_on_commit_callbacks):
    mine = three[:2]
    edit = _run(owner, [c.pk for c in mine], "delete", {}, django_capture_on_commit_callbacks)
    assert Customer.objects.filter(pk__in=[c.pk for c in mine], deleted_at__isnull=False).count() == 2
    bulk_edits.bulk_edit_undo(actor=owner, bulk=edit)
    assert Customer.objects.filter(pk__in=[c.pk for c in mine], deleted_at__isnull=True).count() == 2


def test_a_killed_run_resumes_from_its_checkpoint(owner, three, monkeypatch):
    mine = three[:2]
    edit = BulkEdit.objects.create(actor=owner, action="level", value={"value": "b"}, ids=[c.pk for c in mine])
    monkeypatch.setattr(bulk_edits, "BATCH", 1)
    original = bulk_edits._apply_one
    calls = []

    def crash_on_second(bulk, actor, customer):
        calls.append(customer.pk)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        original(bulk, actor, customer)

    monkeypatch.setattr(bulk_edits, "_apply_one", crash_on_second)
    with pytest.raises(SystemExit):
        bulk_edits.bulk_edit_run(edit.pk)
    assert BulkEdit.objects.get(pk=edit.pk).done == 1
    monkeypatch.setattr(bulk_edits, "_apply_one", original)
    resumed = bulk_edits.bulk_edit_run(edit.pk)
    assert resumed.done == 2 and resumed.changed == 2
    assert [Customer.objects.get(pk=c.pk).level for c in mine] == ["b", "b"]


def test_viewers_and_non_deleters_are_refused(viewer, owner, three):
    with pytest.raises(PermissionDenied):
        bulk_edits.bulk_edit_start(actor=viewer, ids=[three[0].pk], action="level", value={"value": "b"})


def test_progress_page_and_undo_are_the_authors(client_as, owner, outsider, three, django_capture_on_commit_callbacks):
    edit = _run(owner, [three[0].pk], "level", {"value": "b"}, django_capture_on_commit_callbacks)
    assert client_as(owner).get(f"/quality/bulk/{edit.pk}/").status_code == 200
    assert client_as(outsider).get(f"/quality/bulk/{edit.pk}/").status_code == 404
    assert client_as(outsider).post(f"/quality/bulk/{edit.pk}/undo/").status_code == 404


def test_bulk_custom_field_and_undo(owner, three, django_capture_on_commit_callbacks):
    from kelu.customers.models import FieldDefinition

    FieldDefinition.objects.create(
        entity="customer", key="region_code", label_zh="区域码", label_en="Region code", type="text"
    )
    mine = three[:2]
    edit = _run(
        owner,
        [c.pk for c in mine],
        "custom",
        {"key": "region_code", "value": "EC-1"},
        django_capture_on_commit_callbacks,
    )
    assert [Customer.objects.get(pk=c.pk).custom.get("region_code") for c in mine] == ["EC-1", "EC-1"]
    bulk_edits.bulk_edit_undo(actor=owner, bulk=edit)
    assert [Customer.objects.get(pk=c.pk).custom.get("region_code") for c in mine] == [None, None]


def test_bulk_edit_api(api_client, owner, outsider, three, django_capture_on_commit_callbacks):
    api_client.force_authenticate(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/customers/bulk/", {"ids": [three[0].pk], "action": "tag", "value": ["重点"]}, format="json"
        )
    assert response.status_code == 202
    edit_id = response.json()["id"]
    assert api_client.get(f"/api/v1/bulk-edits/{edit_id}/").json()["changed"] == 1
    assert api_client.post(f"/api/v1/bulk-edits/{edit_id}/undo/").json()["status"] == "undone"
    api_client.force_authenticate(outsider)
    assert api_client.get(f"/api/v1/bulk-edits/{edit_id}/").status_code == 404
    hidden = api_client.post("/api/v1/customers/bulk/", {"ids": [three[0].pk], "action": "delete"}, format="json")
    assert hidden.status_code == 404


def test_bulk_edit_of_all_matching_customers_from_the_list(
    client_as, owner, outsider, django_capture_on_commit_callbacks
):
    mine = [services.customer_create(actor=owner, values={"name": f"张家{i}"}) for i in range(3)]
    other = services.customer_create(actor=owner, values={"name": "李家"})
    services.customer_create(actor=outsider, values={"name": "张家外人"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(owner).post(
            "/customers/bulk/", {"action": "level", "level": "c", "all_matching": "1", "q": "张家"}
        )
    edit = BulkEdit.objects.get()
    assert response["Location"] == f"/quality/bulk/{edit.pk}/"
    assert sorted(edit.ids) == sorted(c.pk for c in mine) and edit.changed == 3
    assert Customer.objects.get(pk=other.pk).level != "c"
