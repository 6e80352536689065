import pytest
from django.test import Client
from django.urls import reverse

from kelu.accounts.services import user_create
from kelu.customers import services
from kelu.customers.models import ChoiceOption, Customer, FieldDefinition

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    """An administrator who reads the interface in English, so the messages below can be matched."""
    user = user_create(username="admin1", role="admin")[0]
    user.language = "en"
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def seller(db):
    return user_create(username="seller", role="sales")[0]


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _option(field: str, key: str) -> ChoiceOption:
    return ChoiceOption.objects.get(field=field, key=key)


@pytest.fixture
def grade(admin):
    """A single-select custom field of customers."""
    return services.field_definition_save(
        actor=admin,
        definition=FieldDefinition(
            entity="customer",
            key="grade",
            label_zh="等级",
            label_en="Grade",
            type="single_select",
            options=[{"key": "gold", "label_zh": "金", "label_en": "Gold"}],
        ),
    )


def _urls(option: ChoiceOption, definition: FieldDefinition) -> list[tuple[str, str]]:
    """Every settings URL with the methods it answers."""
    field_args = [definition.entity, definition.pk]
    return [
        ("get", reverse("settings:index")),
        ("get", reverse("settings:choices")),
        ("post", reverse("settings:choice_add", args=["level"])),
        ("get", reverse("settings:choice_edit", args=[option.field, option.pk])),
        ("post", reverse("settings:choice_edit", args=[option.field, option.pk])),
        ("post", reverse("settings:choice_deactivate", args=[option.field, option.pk])),
        ("post", reverse("settings:choice_activate", args=[option.field, option.pk])),
        ("get", reverse("settings:fields")),
        ("get", reverse("settings:field_create")),
        ("post", reverse("settings:field_create")),
        ("get", reverse("settings:field_edit", args=field_args)),
        ("post", reverse("settings:field_edit", args=field_args)),
        ("get", reverse("settings:field_remove", args=field_args)),
        ("post", reverse("settings:field_remove", args=field_args)),
        ("post", reverse("settings:field_restore", args=field_args)),
    ]


# --- access ----------------------------------------------------------------------------------------------------------


def test_sales_user_gets_403_on_every_settings_url(seller, grade):
    client = client_as(seller)
    option = _option("level", "a")
    for method, url in _urls(option, grade):
        assert getattr(client, method)(url, {"label_zh": "x"}).status_code == 403, (method, url)
        other = "post" if method == "get" else "get"
        assert getattr(client, other)(url).status_code == 403, (other, url)
    assert _option("level", "a").label_zh == "A 类"
    assert FieldDefinition.objects.get(pk=grade.pk).is_active


def test_anonymous_is_redirected_to_login(grade):
    for method, url in _urls(_option("level", "a"), grade):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("accounts:login")), (method, url)


def test_wrong_method_is_405(admin, grade):
    client = client_as(admin)
    option = _option("level", "a")
    field_args = [grade.entity, grade.pk]
    for url in [
        reverse("settings:index"),
        reverse("settings:choices"),
        reverse("settings:fields"),
    ]:
        assert client.post(url).status_code == 405, url
    for url in [
        reverse("settings:choice_add", args=["level"]),
        reverse("settings:choice_deactivate", args=[option.field, option.pk]),
        reverse("settings:choice_activate", args=[option.field, option.pk]),
        reverse("settings:field_restore", args=field_args),
    ]:
        assert client.get(url).status_code == 405, url
    for url in [
        reverse("settings:choice_edit", args=[option.field, option.pk]),
        reverse("settings:field_create"),
        reverse("settings:field_edit", args=field_args),
        reverse("settings:field_remove", args=field_args),
    ]:
        assert client.put(url).status_code == 405, url


def test_unknown_field_group_or_mismatched_record_is_404(admin, grade):
    client = client_as(admin)
    option = _option("level", "a")
    assert client.post(reverse("settings:choice_add", args=["colour"]), {"label_zh": "红"}).status_code == 404
    assert client.get(reverse("settings:choice_edit", args=["stage", option.pk])).status_code == 404
    assert client.get(reverse("settings:field_edit", args=["contact", grade.pk])).status_code == 404


def test_settings_link_in_nav_only_for_admins(admin, seller):
    url = reverse("settings:index")
    assert f'href="{url}"' in client_as(admin).get(reverse("core:home")).content.decode()
    assert f'href="{url}"' not in client_as(seller).get(reverse("core:home")).content.decode()


def test_index_links_to_both_sections(admin):
    page = client_as(admin).get(reverse("settings:index")).content.decode()
    assert reverse("settings:choices") in page
    assert reverse("settings:fields") in page


# --- choice options --------------------------------------------------------------------------------------------------


def test_choices_page_lists_the_four_groups_with_inactive_options(admin):
    ChoiceOption.objects.filter(field="stage", key="lost").update(is_active=False)
    page = client_as(admin).get(reverse("settings:choices")).content.decode()
    for field in ("level", "stage", "source", "industry"):
        assert f'id="choices-{field}"' in page
    assert "流失" in page and "Inactive" in page


def test_admin_adds_an_option(admin):
    response = client_as(admin).post(
        reverse("settings:choice_add", args=["level"]), {"key": "d", "label_zh": "D 类", "label_en": "D"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:choices") + "#choices-level"
    option = _option("level", "d")
    assert (option.label_zh, option.label_en, option.is_active) == ("D 类", "D", True)
    assert option.position > _option("level", "c").position


def test_option_key_is_made_from_the_labels_when_left_empty(admin):
    client = client_as(admin)
    client.post(reverse("settings:choice_add", args=["source"]), {"label_zh": "抖音", "label_en": "Douyin Live"})
    client.post(reverse("settings:choice_add", args=["source"]), {"label_zh": "小红书"})
    assert _option("source", "douyin_live").label_zh == "抖音"
    assert _option("source", "xiaohongshu").label_zh == "小红书"


def test_add_option_with_htmx_returns_the_group_only(admin):
    response = client_as(admin).post(
        reverse("settings:choice_add", args=["industry"]),
        {"key": "energy", "label_zh": "能源", "label_en": "Energy"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="choices-industry"')
    assert "能源" in page and "<html" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "a", "label_zh": "重复"}, "already has this key"),
        ({"key": "Bad Key", "label_zh": "坏"}, "lower-case letters"),
        ({"key": "e", "label_zh": ""}, "This field is required"),
        ({"key": "e", "label_zh": "E", "position": "-1"}, "greater than or equal to 0"),
    ],
)
def test_invalid_option_shows_error_and_writes_nothing(admin, data, message):
    before = list(ChoiceOption.objects.values_list("field", "key", "label_zh", "position", "is_active"))
    response = client_as(admin).post(reverse("settings:choice_add", args=["level"]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "is-invalid" in page or "alert-danger" in page
    assert list(ChoiceOption.objects.values_list("field", "key", "label_zh", "position", "is_active")) == before


def test_invalid_option_error_is_in_the_users_language(admin):
    admin.language = "zh-hans"
    admin.save(update_fields=["language"])
    response = client_as(admin).post(reverse("settings:choice_add", args=["level"]), {"key": "e", "label_zh": ""})
    assert "该字段是必填项" in response.content.decode()


def test_admin_edits_label_and_position_but_not_key(admin):
    option = _option("level", "b")
    url = reverse("settings:choice_edit", args=["level", option.pk])
    client = client_as(admin)
    page = client.get(url).content.decode()
    assert 'value="B 类"' in page and 'id="choices-level"' in page
    response = client.post(url, {"label_zh": "B 级", "label_en": "Grade B", "position": 9, "key": "zzz"})
    assert response.status_code == 302
    option.refresh_from_db()
    assert (option.key, option.label_zh, option.label_en, option.position) == ("b", "B 级", "Grade B", 9)


def test_invalid_edit_shows_error_inline_and_writes_nothing(admin):
    option = _option("level", "b")
    response = client_as(admin).post(
        reverse("settings:choice_edit", args=["level", option.pk]),
        {"label_zh": "", "position": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'data-testid="edit-option"' in response.content.decode()
    assert "is-invalid" in response.content.decode()
    option.refresh_from_db()
    assert option.label_zh == "B 类"


def test_admin_deactivates_and_reactivates_an_option(admin):
    option = _option("stage", "lost")
    client = client_as(admin)
    response = client.post(reverse("settings:choice_deactivate", args=["stage", option.pk]))
    assert response.status_code == 302
    assert not _option("stage", "lost").is_active
    page = client.get(reverse("settings:choices")).content.decode()
    assert "流失" in page
    response = client.post(
        reverse("settings:choice_activate", args=["stage", option.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert _option("stage", "lost").is_active


def test_deactivated_option_is_kept_on_records(admin, seller):
    customer = services.customer_create(actor=seller, values={"name": "杭州云栖", "stage": "lost"})
    client_as(admin).post(reverse("settings:choice_deactivate", args=["stage", _option("stage", "lost").pk]))
    assert Customer.objects.get(pk=customer.pk).stage == "lost"


# --- custom fields ---------------------------------------------------------------------------------------------------


def test_fields_page_lists_both_record_types_and_inactive_fields(admin, grade):
    services.field_definition_save(
        actor=admin,
        definition=FieldDefinition(entity="contact", key="hobby", label_zh="爱好", type="text", is_active=False),
    )
    page = client_as(admin).get(reverse("settings:fields")).content.decode()
    assert 'id="fields-customer"' in page and 'id="fields-contact"' in page
    assert "等级" in page and "爱好" in page and "Removed" in page


def test_admin_creates_a_select_field_with_options(admin):
    response = client_as(admin).post(
        reverse("settings:field_create"),
        {
            "entity": "contact",
            "label_zh": "兴趣",
            "label_en": "Interests",
            "key": "",
            "type": "multi_select",
            "options": "golf | 高尔夫 | Golf\n\ntea ｜ 茶\n",
            "show_in_list": "on",
            "is_filterable": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("settings:fields") + "#fields-contact"
    definition = FieldDefinition.objects.get(entity="contact", key="interests")
    assert definition.type == "multi_select"
    assert definition.options == [
        {"key": "golf", "label_zh": "高尔夫", "label_en": "Golf"},
        {"key": "tea", "label_zh": "茶", "label_en": ""},
    ]
    assert (definition.show_in_list, definition.is_filterable, definition.is_required) == (True, True, False)


def test_options_of_other_types_are_ignored(admin):
    client_as(admin).post(
        reverse("settings:field_create"),
        {
            "entity": "customer",
            "label_zh": "税号",
            "key": "tax_id",
            "type": "text",
            "options": "a | b",
            "is_unique": "on",
        },
    )
    definition = FieldDefinition.objects.get(key="tax_id")
    assert definition.options == [] and definition.is_unique


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "single_select", "options": ""}, "at least one option"),
        ({"type": "single_select", "options": "gold | 金\ngold | 金2"}, "used twice"),
        ({"type": "single_select", "options": "only-one-part"}, "Line 1"),
        ({"type": "single_select", "options": "Gold | 金"}, "lower-case letters"),
        ({"type": "boolean", "is_unique": "on"}, "cannot be unique"),
        ({"type": "text", "key": "grade"}, "already has this key"),
        ({"type": "text", "key": "9lives"}, "lower-case letters"),
        ({"type": "nonsense"}, "Select a valid choice"),
    ],
)
def test_invalid_field_shows_error_and_writes_nothing(admin, grade, data, message):
    before = list(FieldDefinition.objects.values())
    response = client_as(admin).post(
        reverse("settings:field_create"), {"entity": "customer", "label_zh": "测试", **data}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "is-invalid" in page or "alert-danger" in page
    assert list(FieldDefinition.objects.values()) == before


def test_admin_edits_a_field_but_key_entity_and_type_stay(admin, grade):
    url = reverse("settings:field_edit", args=["customer", grade.pk])
    client = client_as(admin)
    page = client.get(url).content.decode()
    assert "gold | 金 | Gold" in page
    response = client.post(
        url,
        {
            "entity": "contact",
            "key": "other",
            "type": "text",
            "label_zh": "客户等级",
            "label_en": "Customer grade",
            "options": "gold | 金 | Gold\nsilver | 银 | Silver",
            "is_required": "on",
            "position": "3",
        },
    )
    assert response.status_code == 302
    grade.refresh_from_db()
    assert (grade.entity, grade.key, grade.type) == ("customer", "grade", "single_select")
    assert (grade.label_zh, grade.label_en, grade.is_required, grade.position) == (
        "客户等级",
        "Customer grade",
        True,
        3,
    )
    assert [option["key"] for option in grade.options] == ["gold", "silver"]


def test_invalid_edit_of_a_field_writes_nothing(admin, grade):
    response = client_as(admin).post(
        reverse("settings:field_edit", args=["customer", grade.pk]),
        {"label_zh": "", "options": "", "position": "1"},
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    grade.refresh_from_db()
    assert grade.label_zh == "等级" and grade.options[0]["key"] == "gold"


def test_remove_asks_for_confirmation_then_deactivates_and_keeps_values(admin, seller, grade):
    customer = services.customer_create(actor=seller, values={"name": "杭州云栖"}, custom={"grade": "gold"})
    url = reverse("settings:field_remove", args=["customer", grade.pk])
    client = client_as(admin)
    page = client.get(url).content.decode()
    assert "kept" in page
    assert FieldDefinition.objects.get(pk=grade.pk).is_active
    response = client.post(url)
    assert response.status_code == 302
    assert not FieldDefinition.objects.get(pk=grade.pk).is_active
    assert Customer.objects.get(pk=customer.pk).custom == {"grade": "gold"}
    assert "等级" in client.get(reverse("settings:fields")).content.decode()


def test_removed_field_can_be_restored(admin, grade):
    client = client_as(admin)
    client.post(reverse("settings:field_remove", args=["customer", grade.pk]))
    response = client.post(reverse("settings:field_restore", args=["customer", grade.pk]))
    assert response.status_code == 302
    assert FieldDefinition.objects.get(pk=grade.pk).is_active
