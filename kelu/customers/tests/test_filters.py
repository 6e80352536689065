"""The lists' filter language: each kind of filter, the same answers in the API and on the page, and bad input."""

import datetime

import pytest
from django.utils import timezone

from kelu.customers import selectors, services
from kelu.customers.models import Customer, FieldDefinition

pytestmark = pytest.mark.django_db


def names(user, **params):
    query = {key: value if isinstance(value, list) else [str(value)] for key, value in params.items()}
    return sorted(selectors.customers_matching(user, query).values_list("name", flat=True))


def api_names(client, query):
    response = client.get(f"/api/v1/customers/?{query}")
    assert response.status_code == 200, response.json()
    return sorted(row["name"] for row in response.json()["results"])


@pytest.fixture
def fields(admin):
    made = {}
    specs = [
        ("revenue", FieldDefinition.Type.DECIMAL, {}),
        ("staff", FieldDefinition.Type.INTEGER, {}),
        ("renewal", FieldDefinition.Type.DATE, {}),
        ("met_at", FieldDefinition.Type.DATETIME, {}),
        ("key_account", FieldDefinition.Type.BOOLEAN, {}),
        ("grade", FieldDefinition.Type.SINGLE_SELECT, {"options": [{"key": "gold"}, {"key": "silver"}]}),
        ("channels", FieldDefinition.Type.MULTI_SELECT, {"options": [{"key": "web"}, {"key": "fair"}]}),
        ("motto", FieldDefinition.Type.TEXT, {}),
    ]
    for key, type_, extra in specs:
        definition = FieldDefinition(entity="customer", key=key, type=type_, label_zh=key, is_filterable=True, **extra)
        made[key] = services.field_definition_save(actor=admin, definition=definition)
    services.field_definition_save(
        actor=admin,
        definition=FieldDefinition(entity="customer", key="secret", type="text", label_zh="secret"),
    )
    return made


@pytest.fixture
def book(owner, teammate, fields):
    """Four customers of the owner (and one of the teammate) with every kind of value."""

    def make(name, actor=owner, **values):
        custom = values.pop("custom", None)
        tags = values.pop("tags", ())
        points = values.pop("points", ())
        contacts = values.pop("contacts", ())
        return services.customer_create(
            actor=actor, values={"name": name, **values}, custom=custom, tags=tags, points=points, contacts=contacts
        )

    return {
        "甲": make(
            "甲公司", level="a", city="上海市", tags=["vip", "key"], points=[{"kind": "phone", "value": "12345"}],
            custom={"revenue": "1200.50", "staff": 50, "renewal": "2026-03-01", "met_at": "2026-01-10T09:00:00+08:00",
                    "key_account": True, "grade": "gold", "channels": ["web", "fair"], "motto": "Think Big"},
            contacts=[{"values": {"name": "甲联系人"}, "points": [{"kind": "email", "value": "bad@"}]}],
        ),
        "乙": make(
            "乙公司", level="b", city="北京市", tags=["vip"],
            custom={"revenue": "99.9", "staff": 5, "renewal": "2027-01-01", "key_account": False, "grade": "silver",
                    "channels": ["fair"]},
            contacts=[{"values": {"name": "乙联系人"}, "points": [{"kind": "email", "value": "ok@example.com"}]}],
        ),
        "丙": make("丙公司", level="c", kind="individual"),
        "丁": make("丁公司", owner=None),
        "戊": make("戊公司", actor=teammate, level="a"),
    }  # fmt: skip


def test_builtin_fields_take_any_of_none_of_and_empty(owner, book):
    assert names(owner, level="a") == ["甲公司"]
    assert names(owner, level="a,b") == names(owner, level=["a", "b"]) == ["乙公司", "甲公司"]
    assert names(owner, level__not="a") == ["丁公司", "丙公司", "乙公司"]
    assert names(owner, level__empty="1") == ["丁公司"]
    assert names(owner, kind="individual") == ["丙公司"]
    assert names(owner, city="上海市") == ["甲公司"]
    assert names(owner, city__contains="北京") == ["乙公司"]


def test_owner_me_team_pool_and_person(owner, teammate, manager, book):
    assert names(owner, owner="me") == ["丙公司", "乙公司", "甲公司"]
    assert names(owner, owner="pool") == ["丁公司"]
    assert names(owner, owner="me,pool") == ["丁公司", "丙公司", "乙公司", "甲公司"]
    # The teammate's customer stays out of a sales user's sight whatever the filter says.
    assert names(owner, owner="team") == ["丙公司", "乙公司", "甲公司"]
    assert names(manager, owner="team") == ["丙公司", "乙公司", "戊公司", "甲公司"]
    assert names(manager, owner=str(teammate.pk)) == ["戊公司"]


def test_tags_any_all_and_none(owner, book):
    assert names(owner, tag="vip") == ["乙公司", "甲公司"]
    assert names(owner, tag=["vip", "key"]) == ["乙公司", "甲公司"]
    assert names(owner, tag="vip,key", tag_mode="all") == ["甲公司"]
    assert names(owner, tag="key", tag_mode="none") == ["丁公司", "丙公司", "乙公司"]
    assert names(owner, tag="nosuchtag") == []
    assert names(owner, tag="vip,nosuchtag", tag_mode="all") == []


def test_dates_stale_overdue_invalid_and_no_contact(owner, book):
    now = timezone.now()
    Customer.objects.filter(pk=book["甲"].pk).update(
        last_contacted_at=now - datetime.timedelta(days=2), next_follow_up_at=now - datetime.timedelta(hours=1)
    )
    Customer.objects.filter(pk=book["乙"].pk).update(
        last_contacted_at=now - datetime.timedelta(days=60), next_follow_up_at=now + datetime.timedelta(days=1),
        created_at=now - datetime.timedelta(days=400),
    )  # fmt: skip
    assert names(owner, stale_days="30") == ["丁公司", "丙公司", "乙公司"]  # never contacted counts as stale
    assert names(owner, overdue="1") == ["甲公司"]
    assert "甲公司" not in names(owner, overdue="0")
    assert names(owner, invalid="phone") == ["甲公司"]
    assert names(owner, invalid="email") == ["甲公司"]  # its contact's email
    assert names(owner, no_contact="1") == ["丁公司"]
    assert "丁公司" not in names(owner, no_contact="0")
    old = (now - datetime.timedelta(days=300)).date().isoformat()
    assert names(owner, created__lte=old) == ["乙公司"]
    assert "乙公司" not in names(owner, created__gte=old)
    today = timezone.localdate().isoformat()
    assert "甲公司" in names(owner, updated__gte=today, updated__lte=today)  # a date covers the whole day
    assert names(owner, last_contacted__empty="1") == ["丁公司", "丙公司"]


def test_custom_fields_by_type(owner, book):
    assert names(owner, cf_revenue__gte="1000") == ["甲公司"]
    assert names(owner, cf_revenue__lt="100") == ["乙公司"]  # numeric, not text, order: "99.9" < "1000"
    assert names(owner, cf_staff__gt="10") == ["甲公司"]
    assert names(owner, cf_staff="5") == ["乙公司"]
    assert names(owner, cf_renewal__lte="2026-12-31") == ["甲公司"]
    assert names(owner, cf_met_at__gte="2026-01-10") == ["甲公司"]
    assert names(owner, cf_met_at__lt="2026-01-10T00:00:00Z") == []
    assert names(owner, cf_key_account="1") == ["甲公司"]
    assert names(owner, cf_key_account="0") == ["乙公司"]
    assert names(owner, cf_grade="gold,silver") == ["乙公司", "甲公司"]
    assert names(owner, cf_channels="web") == ["甲公司"]
    assert names(owner, cf_channels="fair") == ["乙公司", "甲公司"]
    assert names(owner, cf_motto__contains="think") == ["甲公司"]
    assert names(owner, cf_revenue__empty="1") == ["丁公司", "丙公司"]


def test_search_combines_with_filters(owner, book):
    assert names(owner, q="甲", level="a") == ["甲公司"]
    assert names(owner, q="乙", level="a") == []


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("colour=red", "colour"),
        ("level__like=a", "level__like"),
        ("kind=robot", "kind"),
        ("stale_days=soon", "stale_days"),
        ("overdue=maybe", "overdue"),
        ("created__gte=yesterday", "created__gte"),
        ("owner=boss", "owner"),
        ("tag=vip&tag_mode=some", "tag_mode"),
        ("invalid=fax", "invalid"),
        ("cf_revenue__gte=lots", "cf_revenue__gte"),
        ("cf_staff__gte=1.5", "cf_staff__gte"),
        ("cf_grade=bronze", "cf_grade"),
        ("cf_secret=x", "cf_secret"),
        ("cf_nosuch=1", "cf_nosuch"),
        ("cf_revenue__between=1", "cf_revenue__between"),
        ("view=999999", "view"),
        ("sort=colour", "sort"),
    ],
)
def test_api_answers_bad_filters_with_400_naming_the_parameter(owner_api, book, query, param):
    response = owner_api.get(f"/api/v1/customers/?{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert param in response.json()["errors"]


def test_api_filters_like_the_selector(owner, owner_api, book):
    assert api_names(owner_api, "level=a&level=b") == ["乙公司", "甲公司"]
    assert api_names(owner_api, "tag=vip&tag=key&tag_mode=all") == ["甲公司"]
    assert api_names(owner_api, "stale_days=30&owner=me") == ["丙公司", "乙公司", "甲公司"]
    assert api_names(owner_api, "cf_revenue__gte=100&q=甲") == ["甲公司"]


def test_api_sorts_by_name(owner_api, book):
    response = owner_api.get("/api/v1/customers/?sort=name&page_size=2")
    first = [row["name"] for row in response.json()["results"]]
    second = [row["name"] for row in owner_api.get(response.json()["next"]).json()["results"]]
    assert first + second == ["丙公司", "丁公司", "甲公司", "乙公司"]  # by pinyin: bing, ding, jia, yi


def test_contact_filters(owner, book, client_as):
    contacts = selectors.contacts_matching
    assert [c.name for c in contacts(owner, {"invalid": ["email"]})] == ["甲联系人"]
    assert [c.name for c in contacts(owner, {"customer": [str(book["乙"].pk)]})] == ["乙联系人"]
    assert sorted(c.name for c in contacts(owner, {"owner": ["me"], "letter": ["J"]})) == ["甲联系人"]
    page = client_as(owner).get("/contacts/?invalid=email").content.decode()
    assert "甲联系人" in page and "乙联系人" not in page


def test_page_reports_a_bad_filter_and_keeps_the_others(owner, owner_client, book):
    response = owner_client.get("/customers/?level=a&stale_days=soon")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="filter-errors"' in page and "stale_days" in page
    assert "甲公司" in page and "乙公司" not in page


def test_page_shows_removable_chips_and_empty_fields_are_dropped(owner, owner_client, book):
    response = owner_client.get("/customers/?level=a&city=&tag=vip")
    assert response.status_code == 302 and response["Location"] == "/customers/?level=a&tag=vip"
    page = owner_client.get("/customers/?level=a&tag=vip").content.decode()
    assert page.count('data-testid="filter-chip"') == 2
    assert 'href="?tag=vip"' in page  # the level chip's removal link keeps the tag


def test_page_is_in_chinese_by_default(owner_client, book):
    page = owner_client.get("/customers/?stale_days=soon").content.decode()
    assert "请填写天数" in page


def test_the_data_quality_reports_links_are_filters(owner, admin, owner_client, book):
    from kelu.quality.selectors import cleanup_counts

    services.field_definition_save(
        actor=admin,
        definition=FieldDefinition(entity="customer", key="tax_id", type="text", label_zh="税号", is_required=True),
    )
    assert names(owner, no_points="1") == ["丁公司", "丙公司"]
    assert names(owner, missing="motto") == ["丁公司", "丙公司", "乙公司"]
    for row in cleanup_counts(owner):
        response = owner_client.get(f"/customers/?{row.query}")
        assert response.status_code == 200 and b'data-testid="filter-errors"' not in response.content, row.query


@pytest.mark.parametrize(
    "query",
    [
        "owner=99999999999999999999999",
        "team=99999999999999999999999",
        "cf_staff__gte=1e30",
        "cf_revenue=1e999",
        "view=99999999999999999999999",
    ],
)
def test_huge_numbers_are_refused_not_crashed_on(owner_api, book, query):
    response = owner_api.get(f"/api/v1/customers/?{query}")
    assert response.status_code == 400 and query.split("=")[0] in response.json()["errors"]
