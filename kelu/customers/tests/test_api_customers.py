import pytest

from kelu.customers.models import Contact, ContactPoint, Customer, FieldDefinition

from .conftest import api_as

pytestmark = pytest.mark.django_db


def test_create_customer_with_two_contacts_normalises_phones_and_flags_invalid_ones(alice):
    response = api_as(alice).post(
        "/api/v1/customers/",
        {
            "name": " 上海 宏达 贸易有限公司 ",
            "level": "b",
            "tags": ["VIP", "展会"],
            "points": [{"kind": "phone", "value": "+86 138-0013-8000"}, {"kind": "phone", "value": "12345"}],
            "contacts": [
                {"name": "张 伟", "points": [{"kind": "phone", "value": "１３８００１３８０００"}]},
                {"name": "李娜", "points": [{"kind": "email", "value": "Li.Na@Example.COM"}]},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "上海宏达贸易有限公司"
    assert body["owner"] == alice.pk
    assert sorted(body["tags"]) == ["VIP", "展会"]
    assert [(p["normalized"], p["is_valid"]) for p in body["points"]] == [("+8613800138000", True), ("12345", False)]
    assert body["points"][1]["value"] == "12345"
    assert body["points"][1]["problem"]
    assert (body["province"], body["city"]) == ("北京市", "北京市")
    contacts = {c["name"]: c for c in body["contacts"]}
    assert contacts["张伟"]["points"][0]["normalized"] == "+8613800138000"
    assert contacts["李娜"]["points"][0]["normalized"] == "li.na@example.com"


def test_individual_customer_gets_its_primary_contact(alice):
    response = api_as(alice).post(
        "/api/v1/customers/",
        {"name": "王芳", "kind": "individual", "points": [{"kind": "phone", "value": "139 1234 5678"}]},
        format="json",
    )
    assert response.status_code == 201
    (contact,) = response.json()["contacts"]
    assert (contact["name"], contact["is_primary"]) == ("王芳", True)
    assert contact["points"][0]["normalized"] == "+8613912345678"


def test_patch_with_stale_version_gets_409_and_changes_nothing(alice, customer):
    client = api_as(alice)
    assert (
        client.patch(f"/api/v1/customers/{customer.pk}/", {"level": "b", "version": 1}, format="json").status_code
        == 200
    )
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"level": "c", "version": 1}, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["current_version"] == 2
    assert Customer.objects.get(pk=customer.pk).level == "b"


def test_unknown_choice_is_rejected_per_field(alice, customer):
    response = api_as(alice).patch(f"/api/v1/customers/{customer.pk}/", {"level": "zz"}, format="json")
    assert response.status_code == 400
    assert "level" in response.json()["errors"]


def test_owner_outside_scope_is_rejected_and_nothing_changes(alice, bob, customer):
    response = api_as(alice).patch(f"/api/v1/customers/{customer.pk}/", {"owner": bob.pk, "level": "c"}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]
    customer.refresh_from_db()
    assert (customer.owner_id, customer.level) == (alice.pk, "a")


def test_delete_moves_to_trash_and_restore_brings_back(alice, customer):
    client = api_as(alice)
    assert client.delete(f"/api/v1/customers/{customer.pk}/").status_code == 204
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    trash = client.get("/api/v1/customers/?trashed=1").json()["results"]
    assert [c["id"] for c in trash] == [customer.pk]
    response = client.post(f"/api/v1/customers/{customer.pk}/restore/")
    assert response.status_code == 200
    assert response.json()["deleted_at"] is None
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"name": "hijacked"}),
        ("delete", "", None),
        ("post", "restore/", None),
    ],
)
def test_outsider_gets_404_and_database_is_unchanged(bob, customer, method, suffix, body):
    before = Customer.objects.filter(pk=customer.pk).values().get()
    response = getattr(api_as(bob), method)(f"/api/v1/customers/{customer.pk}/{suffix}", body, format="json")
    assert response.status_code == 404
    assert Customer.objects.filter(pk=customer.pk).values().get() == before


def test_outsider_does_not_list_or_reach_contacts(bob, customer):
    client = api_as(bob)
    assert client.get("/api/v1/customers/").json()["results"] == []
    assert client.get("/api/v1/contacts/").json()["results"] == []
    contact = customer.contacts.first()
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 404
    response = client.post("/api/v1/contacts/", {"customer": customer.pk, "name": "x"}, format="json")
    assert response.status_code == 404
    assert Contact.objects.filter(name="x").count() == 0


def test_viewer_cannot_write(vera, customer):
    client = api_as(vera)
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 200
    assert client.post("/api/v1/customers/", {"name": "新客户"}, format="json").status_code == 403
    assert client.patch(f"/api/v1/customers/{customer.pk}/", {"name": "x"}, format="json").status_code == 403
    assert Customer.objects.get(pk=customer.pk).name == "北京鑫淼科技有限公司"


def test_updated_since_filters_and_bad_value_is_400(alice, customer):
    client = api_as(alice)
    assert client.get("/api/v1/customers/?updated_since=2000-01-01T00:00:00Z").json()["results"]
    assert client.get("/api/v1/customers/?updated_since=2999-01-01T00:00:00Z").json()["results"] == []
    response = client.get("/api/v1/customers/?updated_since=yesterday")
    assert response.status_code == 400
    assert "updated_since" in response.json()["errors"]


def test_contact_points_are_replaced_by_patch(alice, customer):
    contact = customer.contacts.get(name="张伟")
    point = contact.points.get()
    response = api_as(alice).patch(
        f"/api/v1/contacts/{contact.pk}/",
        {
            "points": [
                {"id": point.pk, "kind": "phone", "value": "138 0013 8000", "label": "手机"},
                {"kind": "email", "value": "bad@"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    points = response.json()["points"]
    assert [(p["id"] == point.pk, p["label"], p["is_valid"]) for p in points] == [
        (True, "手机", True),
        (False, "", False),
    ]
    assert ContactPoint.objects.filter(contact=contact).count() == 2


CUSTOM_CASES = [
    ("text", "备注文字", "备注文字", None),
    ("long_text", "很长的\n文字", "很长的\n文字", None),
    ("integer", "42", 42, "4.5"),
    ("decimal", "1234.50", "1234.50", "abc"),
    ("date", "2026-12-01", "2026-12-01", "2026-13-01"),
    ("datetime", "2026-12-01T08:30:00+08:00", "2026-12-01T08:30:00+08:00", "tomorrow"),
    ("boolean", "是", True, "maybe"),
    ("single_select", "gold", "gold", "iron"),
    ("multi_select", ["gold", "silver"], ["gold", "silver"], ["gold", "iron"]),
    ("url", "https://example.com/a", "https://example.com/a", "not a url"),
    ("email", "A@Example.com", "a@example.com", "a@"),
    ("phone", "138 0013 8000", "+8613800138000", "12345"),
]


@pytest.mark.parametrize(("kind", "given", "stored", "wrong"), CUSTOM_CASES)
def test_custom_field_of_each_type_is_validated_and_read_back(root, alice, customer, kind, given, stored, wrong):
    options = [{"key": "gold", "label_zh": "金", "label_en": "Gold"}, {"key": "silver", "label_zh": "银"}]
    definition = {"entity": "customer", "key": "extra", "label_zh": "附加", "label_en": "Extra", "type": kind}
    if kind in FieldDefinition.SELECT_TYPES:
        definition["options"] = options
    assert api_as(root).post("/api/v1/fields/", definition, format="json").status_code == 201
    client = api_as(alice)
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"custom": {"extra": given}}, format="json")
    assert response.status_code == 200, response.json()
    assert client.get(f"/api/v1/customers/{customer.pk}/").json()["custom"] == {"extra": stored}
    if wrong is not None:
        response = client.patch(f"/api/v1/customers/{customer.pk}/", {"custom": {"extra": wrong}}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"]["custom.extra"]
        assert Customer.objects.get(pk=customer.pk).custom == {"extra": stored}


def test_user_custom_field_takes_an_active_user(root, alice, customer):
    api_as(root).post(
        "/api/v1/fields/", {"entity": "customer", "key": "rep", "label_zh": "代表", "type": "user"}, format="json"
    )
    client = api_as(alice)
    assert (
        client.patch(f"/api/v1/customers/{customer.pk}/", {"custom": {"rep": alice.pk}}, format="json").status_code
        == 200
    )
    assert (
        client.patch(f"/api/v1/customers/{customer.pk}/", {"custom": {"rep": 999999}}, format="json").status_code == 400
    )


def test_removed_custom_field_keeps_its_values(root, alice, customer):
    admin = api_as(root)
    field = admin.post(
        "/api/v1/fields/", {"entity": "customer", "key": "code", "label_zh": "编号", "type": "text"}, format="json"
    ).json()
    api_as(alice).patch(f"/api/v1/customers/{customer.pk}/", {"custom": {"code": "X1"}}, format="json")
    assert admin.patch(f"/api/v1/fields/{field['id']}/", {"is_active": False}, format="json").status_code == 200
    api_as(alice).patch(f"/api/v1/customers/{customer.pk}/", {"level": "b"}, format="json")
    assert Customer.objects.get(pk=customer.pk).custom == {"code": "X1"}


def test_required_and_unique_custom_fields(root, alice, customer):
    admin = api_as(root)
    admin.post(
        "/api/v1/fields/",
        {"entity": "customer", "key": "tax_id", "label_zh": "税号", "type": "text", "is_unique": True},
        format="json",
    )
    client = api_as(alice)
    assert (
        client.patch(f"/api/v1/customers/{customer.pk}/", {"custom": {"tax_id": "91110"}}, format="json").status_code
        == 200
    )
    response = client.post("/api/v1/customers/", {"name": "另一家", "custom": {"tax_id": "91110"}}, format="json")
    assert response.status_code == 400
    assert "custom.tax_id" in response.json()["errors"]


def test_only_admins_define_fields_and_choices(alice):
    client = api_as(alice)
    body = {"entity": "customer", "key": "x", "label_zh": "x", "type": "text"}
    assert client.post("/api/v1/fields/", body, format="json").status_code == 403
    assert (
        client.post("/api/v1/choices/", {"field": "level", "key": "d", "label_zh": "D"}, format="json").status_code
        == 403
    )
    assert client.get("/api/v1/choices/").status_code == 200


def test_malformed_json_is_400_problem(alice):
    response = api_as(alice).post("/api/v1/customers/", b"{bad", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["admin", "manager", "sales", "viewer"])
def test_standalone_contacts_are_scoped_for_every_role(role, alice, bob):
    from kelu.accounts.services import user_create
    from kelu.customers import services

    services.contact_create(actor=bob, customer=None, values={"name": "独立联系人"})
    reader = user_create(username=f"r_{role}", role=role, teams=["华东"])[0]
    names = [c["name"] for c in api_as(reader).get("/api/v1/contacts/").json()["results"]]
    assert names == (["独立联系人"] if role == "admin" else [])


def test_history_lists_changes_with_author_and_revert_restores(alice, bob, customer):
    client = api_as(alice)
    client.patch(f"/api/v1/customers/{customer.pk}/", {"name": "新名称", "tags": ["老客户"]}, format="json")
    history = client.get(f"/api/v1/customers/{customer.pk}/history/").json()
    latest = history[0]
    assert (latest["type"], latest["user"], latest["of"]) == ("changed", "alice", "record")
    assert ("北京鑫淼科技有限公司", "新名称") in [(change["old"], change["new"]) for change in latest["changes"]]
    created = next(entry for entry in history if entry["type"] == "created" and entry["of"] == "record")
    response = client.post(
        f"/api/v1/customers/{customer.pk}/revert/", {"history_id": created["history_id"]}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["tags"]) == ("北京鑫淼科技有限公司", ["VIP"])
    assert api_as(bob).get(f"/api/v1/customers/{customer.pk}/history/").status_code == 404
    bad = client.post(f"/api/v1/customers/{customer.pk}/revert/", {"history_id": 999999}, format="json")
    assert bad.status_code == 400


def test_a_field_with_duplicate_values_cannot_become_unique(root, alice, customer):
    admin = api_as(root)
    field = admin.post(
        "/api/v1/fields/",
        {"entity": "customer", "key": "region_code", "label_zh": "区号", "type": "text"},
        format="json",
    ).json()
    other = api_as(alice).post(
        "/api/v1/customers/", {"name": "第二家", "custom": {"region_code": "010"}}, format="json"
    )
    assert other.status_code == 201
    api_as(alice).patch(f"/api/v1/customers/{customer.pk}/", {"custom": {"region_code": "010"}}, format="json")
    response = admin.patch(f"/api/v1/fields/{field['id']}/", {"is_unique": True}, format="json")
    assert response.status_code == 400
    assert "is_unique" in response.json()["errors"]
