import pytest
from django.core.exceptions import PermissionDenied

from kelu.core.errors import Conflict
from kelu.customers import services
from kelu.customers.models import Contact, ContactPoint, Customer, FieldDefinition
from kelu.quality import services as quality
from kelu.quality.models import Merge


@pytest.fixture
def pair(owner, admin):
    FieldDefinition.objects.create(
        entity="customer", key="channels", label_zh="渠道", label_en="Channels", type="multi_select",
        options=[
            {"key": "web", "label_zh": "网站", "label_en": "Web"},
            {"key": "shop", "label_zh": "门店", "label_en": "Shop"},
        ],
    )  # fmt: skip
    a = services.customer_create(
        actor=owner,
        values={"name": "杭州云栖科技有限公司", "level": "a", "website": ""},
        tags=["VIP"],
        points=[{"kind": "phone", "value": "0571-88886666"}],
        custom={"channels": ["web"]},
        contacts=[{"values": {"name": "王芳"}}],
    )
    b = services.customer_create(
        actor=owner,
        values={"name": "云栖科技", "level": "b", "website": "https://yunqi.example.com", "city": "杭州市"},
        tags=["重点客户"],
        points=[{"kind": "phone", "value": "+86 571 8888 6666"}, {"kind": "email", "value": "info@yunqi.example.com"}],
        custom={"channels": ["shop"]},
        contacts=[{"values": {"name": "李雷"}}, {"values": {"name": "韩梅梅"}}],
    )
    return a, b


def _state(customer_id):
    customer = Customer.objects.get(pk=customer_id)
    return {
        "fields": {f: getattr(customer, f) for f in ("name", "level", "website", "city", "deleted_at", "owner_id")},
        "custom": customer.custom,
        "tags": sorted(customer.tags.values_list("name", flat=True)),
        "contacts": sorted(customer.contacts.values_list("name", flat=True)),
        "points": sorted(ContactPoint.objects.filter(customer=customer).values_list("kind", "normalized")),
    }


def test_dry_run_plan_shows_values_and_what_moves(owner, pair):
    a, b = pair
    plan = quality.plan_merge(actor=owner, survivor=a, others=[b], choices={"level": b.pk})
    assert plan.values["name"] == "杭州云栖科技有限公司" and plan.values["level"] == "b"
    assert plan.values["website"] == "https://yunqi.example.com"  # empty on the survivor: filled from the other
    assert plan.custom["channels"] == ["web", "shop"] and plan.tags == ["VIP", "重点客户"]
    assert plan.moves == {"customers.contact.customer": 2, "customers.contactpoint.customer": 1}


def test_merge_keeps_every_linked_record_and_the_chosen_values(owner, pair):
    a, b = pair
    merge = quality.customers_merge(actor=owner, survivor=a, others=[b], choices={"level": b.pk})
    state = _state(a.pk)
    assert state["fields"]["level"] == "b" and state["fields"]["website"] == "https://yunqi.example.com"
    assert state["contacts"] == ["李雷", "王芳", "韩梅梅"]
    assert ("email", "info@yunqi.example.com") in state["points"]
    assert state["points"].count(("phone", "+8657188886666")) == 1  # the same number is not doubled
    assert state["tags"] == ["VIP", "重点客户"] and state["custom"]["channels"] == ["web", "shop"]
    assert Customer.objects.get(pk=b.pk).deleted_at is not None
    assert merge.merged_ids == [b.pk]


def test_undo_restores_both_records_exactly(owner, pair):
    a, b = pair
    before = (_state(a.pk), _state(b.pk))
    merge = quality.customers_merge(actor=owner, survivor=a, others=[b], choices={"name": b.pk})
    quality.merge_undo(actor=owner, merge=merge)
    assert (_state(a.pk), _state(b.pk)) == before
    assert Merge.objects.get(pk=merge.pk).undone_at is not None


def test_undo_refuses_when_the_survivor_changed_since(owner, pair):
    a, b = pair
    merge = quality.customers_merge(actor=owner, survivor=a, others=[b])
    services.customer_update(actor=owner, customer=a, values={"notes": "后来改的"})
    with pytest.raises(Conflict):
        quality.merge_undo(actor=owner, merge=merge)


def test_merge_needs_the_right_to_delete_the_other(owner, teammate, pair):
    a, _b = pair
    theirs = services.customer_create(actor=teammate, values={"name": "云栖"})
    services.customer_share(actor=teammate, customer=theirs, user=owner, can_edit=True)
    with pytest.raises(PermissionDenied):
        quality.customers_merge(actor=owner, survivor=a, others=[theirs])
    assert Customer.objects.get(pk=theirs.pk).deleted_at is None


def test_merge_api_dry_run_then_merge_then_undo(api_client, owner, pair):
    a, b = pair
    api_client.force_authenticate(owner)
    body = {"survivor": a.pk, "others": [b.pk], "choices": {"level": b.pk}, "dry_run": True}
    response = api_client.post("/api/v1/customers/merge/", body, format="json")
    assert response.status_code == 200 and response.json()["values"]["level"] == "b"
    assert Customer.objects.get(pk=b.pk).deleted_at is None
    response = api_client.post("/api/v1/customers/merge/", {**body, "dry_run": False}, format="json")
    assert response.status_code == 201
    merge_id = response.json()["merge"]
    assert Contact.objects.filter(customer=a).count() == 3
    assert api_client.post(f"/api/v1/merges/{merge_id}/undo/").status_code == 200
    assert Contact.objects.filter(customer=a).count() == 1


def test_merge_api_hides_customers_one_may_not_see(api_client, outsider, pair):
    a, b = pair
    api_client.force_authenticate(outsider)
    response = api_client.post("/api/v1/customers/merge/", {"survivor": a.pk, "others": [b.pk]}, format="json")
    assert response.status_code == 404


def test_merge_statements_do_not_grow_with_linked_records(owner):
    """One UPDATE per related table: merging 5 or 60 linked rows issues the same number of statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for linked in (1, 5, 60):  # the first run warms caches (roles, teams)
        a = services.customer_create(actor=owner, values={"name": f"甲公司{linked}"})
        b = services.customer_create(actor=owner, values={"name": f"甲公司{linked}（北京）"})
        Contact.objects.bulk_create([Contact(customer=b, name=f"联系人{i}", owner=owner) for i in range(linked)])
        with CaptureQueriesContext(connection) as queries:
            quality.customers_merge(actor=owner, survivor=a, others=[b])
        assert Contact.objects.filter(customer=a).count() == linked
        counts.append(len(queries))
    assert counts[1] == counts[2]


def test_contacts_merge_and_undo(api_client, owner, pair):
    a, _b = pair
    first = a.contacts.get(name="王芳")
    twin = services.contact_create(
        actor=owner,
        customer=a,
        values={"name": "王芳", "title": "总监"},
        points=[{"kind": "phone", "value": "13912345678"}],
    )
    api_client.force_authenticate(owner)
    response = api_client.post("/api/v1/contacts/merge/", {"survivor": first.pk, "others": [twin.pk]}, format="json")
    assert response.status_code == 201
    first.refresh_from_db()
    assert first.title == "总监" and [p.normalized for p in first.points.all()] == ["+8613912345678"]
    assert Contact.objects.get(pk=twin.pk).deleted_at is not None
    assert api_client.post(f"/api/v1/merges/{response.json()['merge']}/undo/").status_code == 200
    first.refresh_from_db()
    assert first.title == "" and not first.points.exists()
    assert Contact.objects.get(pk=twin.pk).points.count() == 1


def test_contact_merge_page(client_as, owner, pair):
    a, _b = pair
    first = a.contacts.get(name="王芳")
    twin = services.contact_create(actor=owner, customer=a, values={"name": "王芳 "})
    client = client_as(owner)
    page = client.get("/quality/merge/", {"kind": "contact", "ids": [first.pk, twin.pk]})
    assert page.status_code == 200 and "王芳" in page.content.decode()
    done = client.post("/quality/merge/", {"kind": "contact", "ids": [first.pk, twin.pk], "confirm": "1"})
    assert done.status_code == 302
    assert Contact.objects.get(pk=twin.pk).deleted_at is not None
