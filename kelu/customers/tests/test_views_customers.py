import pytest
from django.test import Client
from django.urls import reverse

from kelu.customers import services
from kelu.customers.models import Customer

pytestmark = pytest.mark.django_db


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _points(*rows):
    data = {"points-TOTAL_FORMS": str(len(rows)), "points-INITIAL_FORMS": "0"}
    for index, (kind, value) in enumerate(rows):
        data[f"points-{index}-kind"] = kind
        data[f"points-{index}-value"] = value
    return data


def test_create_customer_through_the_form(alice):
    response = client_as(alice).post(
        reverse("customers:create"),
        {"kind": "company", "name": "杭州 云栖 科技", "owner": alice.pk, "level": "a", "tags": "VIP，新客户",
         **_points(("phone", "0571 8888 6666"), ("email", "Info@YunQi.cn"))},
    )  # fmt: skip
    customer = Customer.objects.get(name="杭州云栖科技")
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url()
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "新客户"]
    assert sorted(customer.points.values_list("normalized", flat=True)) == ["+8657188886666", "info@yunqi.cn"]
    assert (customer.province, customer.city) == ("浙江省", "杭州市")


def test_invalid_form_shows_errors_and_writes_nothing(alice):
    response = client_as(alice).post(reverse("customers:create"), {"kind": "company", "name": "", **_points()})
    assert response.status_code == 200
    assert b"is-invalid" in response.content
    assert Customer.objects.count() == 0


def test_edit_with_stale_version_shows_conflict(alice, customer):
    services.customer_update(actor=alice, customer=customer, values={"level": "b"})
    response = client_as(alice).post(
        reverse("customers:edit", args=[customer.pk]),
        {"kind": "company", "name": "改名", "owner": alice.pk, "version": 1, **_points()},
    )
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).name == "北京鑫淼科技有限公司"


def test_detail_shows_contacts_with_tel_and_mailto_links(alice, customer):
    page = client_as(alice).get(customer.get_absolute_url()).content.decode()
    assert "张伟" in page and "Emily Chen" in page
    assert 'href="tel:+8613800138000"' in page
    assert 'href="mailto:emily@example.com"' in page


def test_list_is_sortable_and_htmx_gets_only_the_table(alice, customer):
    client = client_as(alice)
    services.customer_create(actor=alice, values={"name": "安徽客户"})
    page = client.get(reverse("customers:list") + "?sort=name").content.decode()
    assert page.index("安徽客户") < page.index("北京鑫淼科技有限公司")
    partial = client.get(reverse("customers:list"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "北京鑫淼" in partial


def test_list_query_count_does_not_grow_with_rows(alice, customer, django_assert_max_num_queries):
    for index in range(20):
        services.customer_create(
            actor=alice,
            values={"name": f"客户{index}"},
            tags=["t"],
            contacts=[{"values": {"name": f"人{index}"}, "points": [{"kind": "phone", "value": "13800138000"}]}],
        )
    client = client_as(alice)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("customers:list")).status_code == 200


def test_history_records_changes_and_revert_restores(alice, customer):
    services.customer_update(actor=alice, customer=customer, values={"name": "新名字", "level": "c"}, tags=["老客户"])
    client = client_as(alice)
    page = client.get(reverse("customers:history", args=[customer.pk])).content.decode()
    assert "新名字" in page and "alice" in page
    first = customer.history.order_by("history_date").first()
    response = client.post(reverse("customers:revert", args=[customer.pk, first.history_id]))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.level) == ("北京鑫淼科技有限公司", "a")
    assert list(customer.tags.values_list("name", flat=True)) == ["VIP"]


def test_delete_restore_and_purge_through_trash(alice, root, customer):
    client = client_as(alice)
    assert client.post(reverse("customers:delete", args=[customer.pk])).status_code == 302
    assert client.get(customer.get_absolute_url()).status_code == 404
    assert "北京鑫淼" in client.get(reverse("customers:trash")).content.decode()
    client.post(reverse("customers:trash_restore", args=[customer.pk]))
    assert client.get(customer.get_absolute_url()).status_code == 200
    client.post(reverse("customers:delete", args=[customer.pk]))
    assert client.post(reverse("customers:trash_purge", args=[customer.pk])).status_code == 403
    assert client_as(root).post(reverse("customers:trash_purge", args=[customer.pk])).status_code == 302
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_bulk_tag_and_level(alice, customer, django_capture_on_commit_callbacks):
    other = services.customer_create(actor=alice, values={"name": "第二家"})
    client = client_as(alice)
    with django_capture_on_commit_callbacks(execute=True):  # the edit runs in the background once committed
        client.post(reverse("customers:bulk"), {"action": "tag", "tags": "展会", "ids": [customer.pk, other.pk]})
        client.post(reverse("customers:bulk"), {"action": "level", "level": "c", "ids": [customer.pk, other.pk]})
    for record in (customer, other):
        record.refresh_from_db()
        assert "展会" in record.tags.values_list("name", flat=True)
        assert record.level == "c"


def test_bulk_ignores_records_the_user_cannot_see(alice, bob, customer):
    client_as(bob).post(reverse("customers:bulk"), {"action": "delete", "ids": [customer.pk]})
    assert Customer.objects.get(pk=customer.pk).deleted_at is None


def test_contacts_page_groups_by_pinyin_letter(alice, customer):
    page = client_as(alice).get(reverse("customers:contacts") + "?letter=Z").content.decode()
    assert "张伟" in page and "Emily Chen" not in page


def test_add_contact_inline(alice, customer):
    response = client_as(alice).post(
        reverse("customers:contact_create", args=[customer.pk]),
        {"name": "赵 六", "title": "采购", **_points(("phone", "186 0000 1111"))},
    )
    assert response.status_code == 302
    contact = customer.contacts.get(name="赵六")
    assert contact.points.get().normalized == "+8618600001111"


OWNER_PAGES = [
    ("customers:detail", "get"),
    ("customers:edit", "get"),
    ("customers:history", "get"),
    ("customers:contact_create", "get"),
    ("customers:delete", "post"),
    ("customers:edit", "post"),
]


@pytest.mark.parametrize(("name", "method"), OWNER_PAGES)
def test_outsider_gets_404(bob, customer, name, method):
    response = getattr(client_as(bob), method)(reverse(name, args=[customer.pk]))
    assert response.status_code == 404
    assert Customer.objects.get(pk=customer.pk).deleted_at is None


@pytest.mark.parametrize("name", ["customers:delete", "customers:trash_restore", "customers:trash_purge"])
def test_wrong_method_is_405(alice, customer, name):
    assert client_as(alice).get(reverse(name, args=[customer.pk])).status_code == 405


def test_viewer_sees_but_cannot_edit(vera, customer):
    client = client_as(vera)
    assert client.get(customer.get_absolute_url()).status_code == 200
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    assert client.get(reverse("customers:create")).status_code == 403


def test_anonymous_is_sent_to_login(customer):
    response = Client().get(customer.get_absolute_url())
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_renaming_an_individual_renames_its_primary_contact(alice):
    customer = services.customer_create(actor=alice, values={"name": "李娜", "kind": "individual"})
    services.customer_update(actor=alice, customer=customer, values={"name": "李娜娜"})
    assert list(customer.contacts.values_list("name", flat=True)) == ["李娜娜"]


def test_contact_history_shows_point_changes_and_revert_restores_fields(alice, customer):
    contact = customer.contacts.get(name="张伟")
    point = contact.points.get()
    services.contact_update(
        actor=alice,
        contact=contact,
        values={"title": "董事长"},
        points=[{"id": point.pk, "kind": "phone", "value": "139 1234 5678"}],
    )
    client = client_as(alice)
    page = client.get(reverse("customers:contact_detail", args=[contact.pk])).content.decode()
    assert "董事长" in page and "139 1234 5678" in page and "13800138000" in page
    first = contact.history.order_by("history_date").first()
    client.post(reverse("customers:contact_revert", args=[contact.pk, first.history_id]))
    contact.refresh_from_db()
    assert contact.title == "总经理"


def test_viewer_cannot_open_contact_edit(vera, customer):
    contact = customer.contacts.first()
    assert client_as(vera).get(reverse("customers:contact_edit", args=[contact.pk])).status_code == 403


def test_home_counts_only_visible_customers(alice, bob, customer):
    assert 'data-testid="my-customers">1<' in client_as(alice).get("/").content.decode()
    page = client_as(bob).get("/").content.decode()
    assert 'data-testid="my-customers">0<' in page and "北京鑫淼" not in page
