"""The columns an export can have: built-in fields, phones/emails, contacts, tags and every custom field.

Values go through the same masking as the pages (``kelu.core.masking``): a role that may not see full contact
details exports masked phones and emails. Columns read plain rows (``rows.ExportRow``), not model instances: at a
million customers the ORM's per-object work would dominate.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kelu.core.masking import shown_value
from kelu.customers import custom_fields
from kelu.customers.models import Customer, FieldDefinition
from kelu.customers.selectors import choice_labels, field_definitions


@dataclass
class ExportRow:
    """A customer as the export reads it: its fields, and its related values already collected."""

    fields: dict[str, Any]
    owner: str = ""
    team: str = ""
    points: list[tuple[str, str]] | None = None  # (kind, value): the customer's own, then its contacts'
    contacts: list[str] | None = None
    tags: list[str] | None = None


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[ExportRow, "Context"], Any]


@dataclass
class Context:
    full_contacts: bool
    labels: dict[str, dict[str, str]]


KINDS = dict(Customer.Kind.choices)
SIZES = dict(Customer.Size.choices)


def _points(kind: str) -> Callable[[ExportRow, Context], str]:
    def collect(row: ExportRow, context: Context) -> str:
        values = dict.fromkeys(value for point_kind, value in row.points or [] if point_kind == kind)
        return "; ".join(shown_value(kind, value, full=context.full_contacts) for value in values)

    return collect


def _field(name: str) -> Callable[[ExportRow, Context], Any]:
    return lambda row, ctx: row.fields[name]


def _label(name: str) -> Callable[[ExportRow, Context], str]:
    return lambda row, ctx: ctx.labels.get(name, {}).get(row.fields[name], row.fields[name])


BUILT_IN = [
    Column("id", "ID", _field("id")),
    Column("name", _("Name"), _field("name")),
    Column("kind", _("Kind"), lambda row, ctx: str(KINDS.get(row.fields["kind"], row.fields["kind"]))),
    Column("owner", _("Owner"), lambda row, ctx: row.owner),
    Column("team", _("Team"), lambda row, ctx: row.team),
    Column("level", _("Level"), _label("level")),
    Column("stage", _("Lifecycle stage"), _label("stage")),
    Column("source", _("Source channel"), _label("source")),
    Column("industry", _("Industry"), _label("industry")),
    Column("phones", _("Phones"), _points("phone")),
    Column("emails", _("Emails"), _points("email")),
    Column("contacts", _("Contacts"), lambda row, ctx: "; ".join(row.contacts or [])),
    Column("province", _("Province"), _field("province")),
    Column("city", _("City"), _field("city")),
    Column("district", _("District"), _field("district")),
    Column("address", _("Address"), _field("address")),
    Column("website", _("Website"), _field("website")),
    Column("size", _("Size"), lambda row, ctx: str(SIZES.get(row.fields["size"], row.fields["size"]))),
    Column("tags", _("Tags"), lambda row, ctx: "; ".join(row.tags or [])),
    Column("notes", _("Notes"), _field("notes")),
    Column("last_contacted_at", _("Last contacted"), _field("last_contacted_at")),
    Column("next_follow_up_at", _("Next follow-up"), _field("next_follow_up_at")),
    Column("created_at", _("Created"), _field("created_at")),
    Column("updated_at", _("Updated"), _field("updated_at")),
]
DEFAULT_KEYS = ["name", "kind", "owner", "level", "stage", "phones", "emails", "contacts", "province", "city", "tags"]
FIELDS = [
    "id", "name", "kind", "level", "stage", "source", "industry", "province", "city", "district", "address",
    "website", "size", "notes", "custom", "last_contacted_at", "next_follow_up_at", "created_at", "updated_at",
]  # fmt: skip


def _custom(definition: FieldDefinition) -> Column:
    return Column(
        f"custom.{definition.key}",
        definition.label,
        lambda row, ctx: custom_fields.display_value(definition, (row.fields["custom"] or {}).get(definition.key)),
    )


def available_columns() -> list[Column]:
    return [*BUILT_IN, *(_custom(d) for d in field_definitions(FieldDefinition.Entity.CUSTOMER))]


def resolve(keys: list[str] | None) -> list[Column]:
    """The chosen columns in the chosen order; unknown keys are an error, none chosen means the defaults."""
    by_key = {column.key: column for column in available_columns()}
    keys = keys or DEFAULT_KEYS
    unknown = [key for key in keys if key not in by_key]
    if unknown:
        raise ValidationError({"columns": [_("Unknown column “%(key)s”.") % {"key": key} for key in unknown]})
    return [by_key[key] for key in keys]


def context_for(full_contacts: bool) -> Context:
    return Context(full_contacts=full_contacts, labels=choice_labels())
