"""The customer and contact lists at scale: keyset pages, capped counts, columns, layouts and query counts."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kelu.core import keyset
from kelu.customers import selectors, services
from kelu.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(owner, teammate):
    """Eleven customers with many ties on level and owner, some never contacted."""
    now = timezone.now()
    made = []
    for index in range(11):
        customer = services.customer_create(
            actor=owner if index % 3 else teammate,
            values={"name": f"客户{index:02d}", "level": "ab"[index % 2]},
        )
        made.append(customer)
    for index, customer in enumerate(made):
        Customer.objects.filter(pk=customer.pk).update(
            owner=None if index % 4 == 0 else customer.owner,
            last_contacted_at=None if index % 3 == 0 else now - datetime.timedelta(days=index % 2),
        )
    return made


def walk(qs, sort, *, descending, nullable=False, size=3):
    """Every page forwards, then back from the last one: rows in order and in reverse."""
    pages, cursor = [], None
    while True:
        page = keyset.keyset_page(qs, sort, descending=descending, cursor=cursor, size=size, nullable=nullable)
        pages.append(page)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    forwards = [row.pk for page in pages for row in page.rows]
    backwards: list[int] = []
    page = pages[-1]
    while page.previous_cursor:
        page = keyset.keyset_page(
            qs, sort, descending=descending, cursor=page.previous_cursor, size=size, nullable=nullable
        )
        backwards = [row.pk for row in page.rows] + backwards
    return forwards, backwards + [row.pk for row in pages[-1].rows]


@pytest.mark.parametrize(
    ("sort", "nullable"),
    [("level", False), ("name_pinyin", False), ("owner__username", True), ("last_contacted_at", True)],
)
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_neither_repeat_nor_skip_rows_with_ties(admin, crowd, sort, nullable, descending):
    qs = selectors.customers_visible_to(admin)
    forwards, backwards = walk(qs, sort, descending=descending, nullable=nullable)
    assert sorted(forwards) == sorted(c.pk for c in crowd)  # every row exactly once
    assert backwards == forwards  # paging back meets the same rows in the same order
    ordered = list(qs.order_by(f"-{sort}" if descending else sort, "-pk" if descending else "pk"))
    assert forwards == [c.pk for c in ordered]


def test_a_foreign_cursor_shows_the_first_page(admin, crowd):
    qs = selectors.customers_visible_to(admin)
    page = keyset.keyset_page(qs, "name_pinyin", descending=False, cursor="not-ours", size=3)
    assert [row.name for row in page.rows] == ["客户00", "客户01", "客户02"]


def test_list_pages_follow_cursors_in_the_page(admin, client_as, crowd, monkeypatch):
    from kelu.customers import views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = client_as(admin)
    url, seen = reverse("customers:list") + "?sort=level", []
    while url:
        page = client.get(url).content.decode()
        seen += re.findall(r'class="fw-semibold">(客户\d+)<', page)
        found = re.search(r'href="(\?[^"]*cursor=[^"]+)" data-testid="next-page"', page)
        url = reverse("customers:list") + found.group(1).replace("&amp;", "&") if found else ""
    assert sorted(seen) == sorted(c.name for c in crowd) and len(seen) == 11


def test_count_is_capped_unless_asked_exactly(admin, client_as, crowd, monkeypatch):
    monkeypatch.setattr(keyset, "COUNT_CAP", 5)
    client = client_as(admin)
    capped = client.get(reverse("customers:count") + "?level=a").content.decode()
    assert "5+" in capped and "count=exact" in capped
    exact = client.get(reverse("customers:count") + "?level=a&count=exact").content.decode()
    assert "6" in exact and "+" not in exact.split("data-testid")[1]
    bad = client.get(reverse("customers:count") + "?colour=red").content.decode()
    assert "text-danger" in bad


def test_columns_in_chosen_order_sorting_and_cards(admin, client_as, crowd):
    client = client_as(admin)
    page = client.get(reverse("customers:list") + "?columns=level,name,city&sort=-level").content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]
    assert head.index('data-testid="sort-name"') < head.index('data-testid="sort-level"') < head.index("sort-city")
    assert "sort-updated" not in head
    cards = client.get(reverse("customers:list") + "?layout=cards").content.decode()
    assert 'data-testid="customer-cards"' in cards
    assert client.get(reverse("customers:list") + "?sort=tags").status_code == 200  # not sortable: default order


def test_list_query_counts_are_pinned(owner, admin, client_as, crowd, django_assert_max_num_queries):
    for index in range(30):
        services.customer_create(
            actor=owner, values={"name": f"多{index}"}, tags=["t"],
            contacts=[{"values": {"name": f"人{index}"}, "points": [{"kind": "phone", "value": "13800138000"}]}],
        )  # fmt: skip
    client = client_as(owner)
    with django_assert_max_num_queries(10):  # 9 + the size probe of the scope (kelu/core/planner.py)
        assert client.get(reverse("customers:list")).status_code == 200
    # From here on the roles, custom fields and choice options are kept (kelu.core.configuration): three statements
    # less. A salesperson's bulk bar offers only themselves: nobody else is read.
    with django_assert_max_num_queries(9):  # + the tag's id and its size probe
        assert client.get(reverse("customers:list") + "?tag=t&level__not=b&sort=name").status_code == 200
    with django_assert_max_num_queries(9):  # the contacts' custom fields, read for the first time
        assert client.get(reverse("customers:contacts") + "?letter=R").status_code == 200
    # An admin's page: no scope, and nothing read for the menus that load when opened (teams to share views with).
    admin_client = client_as(admin)
    with django_assert_max_num_queries(7):
        assert admin_client.get(reverse("customers:list") + "?level=a&sort=name").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("customers:count") + "?tag=t").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("customers:trash")).status_code == 200


def test_bulk_edit_of_all_matching_uses_the_lists_filters(owner, owner_client, crowd):
    response = owner_client.post(
        reverse("customers:bulk"),
        {"all_matching": "1", "list_query": "level=a&owner=me", "action": "tag", "tags": "批量"},
    )
    assert response.status_code == 302
    from kelu.quality.models import BulkEdit

    bulk = BulkEdit.objects.latest("pk")
    expected = set(selectors.customers_matching(owner, {"level": ["a"], "owner": ["me"]}).values_list("pk", flat=True))
    assert set(bulk.ids) == expected and expected


def test_export_carries_the_lists_filters(owner, admin, client_as, crowd):
    client = client_as(admin)
    page = client.get(reverse("exports:new") + "?level=a&owner=" + str(owner.pk)).content.decode()
    assert 'name="level" value="a"' in page and f'name="owner" value="{owner.pk}"' in page
    response = client.post(reverse("exports:new"), {"level": "a", "owner": str(owner.pk), "format": "csv"})
    assert response.status_code == 302
    from kelu.exports.models import ExportJob

    job = ExportJob.objects.latest("pk")
    assert job.selection == {"filters": {"level": ["a"], "owner": [str(owner.pk)]}}
    assert job.rows == selectors.customers_matching(owner, {"level": ["a"], "owner": ["me"]}).count() > 0
    bad = client.post(reverse("exports:new"), {"colour": "red", "format": "csv"})
    assert bad.status_code == 200 and ExportJob.objects.count() == 1


def test_planner_hints_change_no_result(owner, teammate, crowd, monkeypatch):
    """Hiding common conditions from SQLite's planner (kelu/core/planner.py) selects the same rows."""
    from kelu.core import planner

    services.customer_update(actor=owner, customer=crowd[1], values={}, tags=["常用"])
    queries = [{}, {"level": ["a"]}, {"tag": ["常用"]}, {"tag": ["常用"], "tag_mode": ["none"]}]
    plain = [sorted(selectors.customers_matching(owner, q).values_list("pk", flat=True)) for q in queries]
    contacts = sorted(selectors.contacts_matching(teammate, {}).values_list("pk", flat=True))
    monkeypatch.setattr(planner, "COMMON", 0)
    walked = [selectors.customers_matching(owner, q, walk_order=True).values_list("pk", flat=True) for q in queries]
    assert [sorted(pks) for pks in walked] == plain
    assert sorted(selectors.contacts_matching(teammate, {}, walk_order=True).values_list("pk", flat=True)) == contacts


def test_filter_form_is_fetched_with_the_lists_values(admin, client_as, crowd):
    client = client_as(admin)
    page = client.get(reverse("customers:list") + "?level=a&sort=name").content.decode()
    assert 'name="stale_days"' not in page  # not on every page view: htmx fetches it when the panel opens
    form = client.get(reverse("customers:filters") + "?level=a&sort=name", headers={"HX-Request": "true"})
    html = form.content.decode()
    assert "<html" not in html and 'value="a" checked' in html and 'name="sort" value="name"' in html
    assert 'action="/customers/"' in html
    full = client.get(reverse("customers:contact_filters")).content.decode()
    assert "<html" in full and 'name="decision_maker"' in full


@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_a_custom_number_pages_through_every_row(admin, owner, client_as, monkeypatch, descending):
    from kelu.customers import views
    from kelu.customers.models import FieldDefinition

    services.field_definition_save(
        actor=admin,
        definition=FieldDefinition(entity="customer", key="revenue", type="decimal", label_zh="营收"),
    )
    values: list[str | None] = ["5", "12.5", None, "100", "12.5", None, "7"]
    for index, value in enumerate(values):
        custom = {"revenue": value} if value is not None else None
        services.customer_create(actor=owner, values={"name": f"营收{index}"}, custom=custom)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = client_as(owner)
    url, seen = reverse("customers:list") + f"?sort={'-' if descending else ''}cf_revenue", []
    while url:
        page = client.get(url).content.decode()
        seen += re.findall(r'class="fw-semibold">(营收\d)<', page)
        found = re.search(r'href="(\?[^"]*cursor=[^"]+)" data-testid="next-page"', page)
        url = reverse("customers:list") + found.group(1).replace("&amp;", "&") if found else ""
    assert sorted(seen) == sorted(f"营收{i}" for i in range(7))
    numbers = [float(value) for name in seen if (value := values[int(name[-1])]) is not None]
    assert numbers == sorted(numbers, reverse=descending)  # numeric order, not text ("100" after "12.5")


def test_the_phone_column_shows_the_customers_own_phone_else_its_primary_contacts(owner, owner_client):
    def person(name: str, phone: str, primary: bool = False) -> dict:
        return {"values": {"name": name, "is_primary": primary}, "points": [{"kind": "phone", "value": phone}]}

    services.customer_create(
        actor=owner, values={"name": "甲公司"}, points=[{"kind": "phone", "value": "010-11110001"}],
        contacts=[person("安一", "13900000001", primary=True)],
    )  # fmt: skip
    services.customer_create(
        actor=owner, values={"name": "乙公司"},
        contacts=[person("安二", "13900000002"), person("王二", "13900000012", primary=True)],
    )  # fmt: skip
    services.customer_create(
        actor=owner, values={"name": "丙公司"}, contacts=[person("王三", "13900000013"), person("安三", "13900000003")]
    )
    page = owner_client.get(reverse("customers:list") + "?columns=name,phone&sort=name").content.decode()
    rows = {name: row for row in page.split("<tr")[1:] for name in ("甲公司", "乙公司", "丙公司") if name in row}
    assert "11110001" in rows["甲公司"] and "13900000001" not in rows["甲公司"]  # its own phone
    assert "13900000012" in rows["乙公司"] and "13900000002" not in rows["乙公司"]  # the primary contact's
    assert "13900000003" in rows["丙公司"] and "13900000013" not in rows["丙公司"]  # else the first by name (An < Wang)


def test_column_chooser_is_fetched_when_it_opens_and_keeps_the_list_state(admin, client_as, crowd):
    client = client_as(admin)
    page = client.get(reverse("customers:list") + "?columns=name,level,city&sort=-level&level=a").content.decode()
    chooser = page[page.index('data-testid="column-chooser"') :]
    chooser = chooser[: chooser.index("</ul>")]
    assert 'hx-get="/customers/columns/?columns=name%2Clevel%2Ccity&amp;sort=-level&amp;level=a"' in chooser
    assert "bi-arrow-up" not in chooser
    links = client.get(
        reverse("customers:columns") + "?columns=name,level,city&sort=-level&level=a", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in links
    # Hide "level", move "city" left, show "owner": each link keeps the filter and the sort.
    assert 'href="/customers/?columns=name%2Ccity&amp;sort=-level&amp;level=a"' in links
    assert 'href="/customers/?columns=name%2Ccity%2Clevel&amp;sort=-level&amp;level=a"' in links
    assert 'href="/customers/?columns=name%2Clevel%2Ccity%2Cowner&amp;sort=-level&amp;level=a"' in links
    full = client.get(reverse("customers:columns") + "?columns=name,level").content.decode()
    assert "<html" in full and 'href="/customers/?columns=name"' in full
    assert 'href="/customers/?columns=name%2Clevel"' in full  # back to the list as it was
    contacts = client.get(reverse("customers:contact_columns"), headers={"HX-Request": "true"}).content.decode()
    assert 'href="/contacts/?columns=' in contacts
    assert client.post(reverse("customers:columns")).status_code == 405
