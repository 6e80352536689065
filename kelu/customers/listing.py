"""What the customer and contact lists can show and sort by: columns (with their order), sort keys and layouts.

Used by the pages, the API (``sort``) and saved views, so a view saved in one place reads the same in the others.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import DateTimeField, DecimalField, IntegerField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kelu.customers.configuration import active_definitions
from kelu.customers.models import FieldDefinition

LAYOUTS = ("table", "cards")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: Any = None  # a field path or an expression; None: not sortable
    nullable: bool = False
    definition: FieldDefinition | None = None


CUSTOMER_COLUMNS = [
    ("name", gettext_lazy("Name"), "name_pinyin", False),
    ("phone", gettext_lazy("Phone / email"), None, False),
    ("level", gettext_lazy("Level"), "level", False),
    ("stage", gettext_lazy("Stage"), "stage", False),
    ("source", gettext_lazy("Source channel"), "source", False),
    ("industry", gettext_lazy("Industry"), "industry", False),
    ("kind", gettext_lazy("Kind"), "kind", False),
    ("size", gettext_lazy("Size"), "size", False),
    ("city", gettext_lazy("City"), "city", False),
    ("owner", gettext_lazy("Owner"), "owner__username", True),
    ("team", gettext_lazy("Team"), "team__name", True),
    ("tags", gettext_lazy("Tags"), None, False),
    ("last_contacted", gettext_lazy("Last contacted"), "last_contacted_at", True),
    ("next_follow_up", gettext_lazy("Next follow-up"), "next_follow_up_at", True),
    ("created", gettext_lazy("Created"), "created_at", False),
    ("updated", gettext_lazy("Updated"), "updated_at", False),
]
CUSTOMER_DEFAULT = ["name", "phone", "level", "stage", "city", "owner", "updated"]
CUSTOMER_DEFAULT_SORT = "-updated"

CONTACT_COLUMNS = [
    ("name", gettext_lazy("Name"), "name_pinyin", False),
    ("customer", gettext_lazy("Customer"), "customer__name_pinyin", True),
    ("title", gettext_lazy("Job title"), "title", False),
    ("department", gettext_lazy("Department"), "department", False),
    ("phone", gettext_lazy("Phone / email"), None, False),
    ("tags", gettext_lazy("Tags"), None, False),
    ("created", gettext_lazy("Created"), "created_at", False),
    ("updated", gettext_lazy("Updated"), "updated_at", False),
]
CONTACT_DEFAULT = ["name", "customer", "title", "phone"]
CONTACT_DEFAULT_SORT = "name"


def _custom_sort(definition: FieldDefinition) -> Any:
    text = KeyTextTransform(definition.key, "custom")
    Type = FieldDefinition.Type
    if definition.type == Type.INTEGER:
        return Cast(text, IntegerField())
    if definition.type == Type.DECIMAL:
        return Cast(text, DecimalField(max_digits=30, decimal_places=10))
    if definition.type == Type.DATETIME:
        return Cast(text, DateTimeField())
    if definition.type in (Type.MULTI_SELECT, Type.USER, Type.BOOLEAN):
        return None  # no meaningful order
    return text


def available_columns(entity: str) -> dict[str, Column]:
    """Every column of the list, built-in then custom fields (``cf_<key>``), in their default order."""
    builtin = CUSTOMER_COLUMNS if entity == FieldDefinition.Entity.CUSTOMER else CONTACT_COLUMNS
    columns = {key: Column(key, str(label), sort, nullable) for key, label, sort, nullable in builtin}
    for definition in active_definitions(entity):
        key = f"cf_{definition.key}"
        columns[key] = Column(key, definition.label, _custom_sort(definition), True, definition)
    return columns


def default_columns(entity: str, columns: dict[str, Column]) -> list[str]:
    base = CUSTOMER_DEFAULT if entity == FieldDefinition.Entity.CUSTOMER else CONTACT_DEFAULT
    shown = [key for key, column in columns.items() if column.definition and column.definition.show_in_list]
    return [*base[:-1], *shown, base[-1]] if entity == FieldDefinition.Entity.CUSTOMER else [*base, *shown]


def chosen_columns(entity: str, raw: str | None, columns: dict[str, Column]) -> list[Column]:
    """``columns=name,level,cf_revenue`` in that order; unknown keys are dropped, the name always comes first."""
    keys = [key.strip() for key in (raw or "").split(",") if key.strip() in columns]
    if not keys:
        keys = default_columns(entity, columns)
    keys = ["name", *dict.fromkeys(key for key in keys if key != "name")]
    return [columns[key] for key in keys]


def default_sort(entity: str) -> str:
    return CUSTOMER_DEFAULT_SORT if entity == FieldDefinition.Entity.CUSTOMER else CONTACT_DEFAULT_SORT


def resolve_sort(entity: str, raw: str | None, columns: dict[str, Column]) -> tuple[str, Column, bool]:
    """(the sort parameter, its column, descending); raises ValueError for a column that cannot sort."""
    sort = raw or default_sort(entity)
    key = sort.removeprefix("-")
    column = columns.get(key)
    if column is None or column.sort is None:
        raise ValueError(_("This column cannot be sorted."))
    return sort, column, sort.startswith("-")
