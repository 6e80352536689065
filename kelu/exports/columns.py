"""The columns an export can have: built-in fields, phones/emails, contacts, tags and every custom field.

Values go through the same masking as the pages (``kelu.core.masking``): a role that may not see full contact
details exports masked phones and emails.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from kelu.core.masking import shown_value
from kelu.customers import custom_fields
from kelu.customers.models import Customer, FieldDefinition
from kelu.customers.selectors import choice_labels, field_definitions


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[Customer, "Context"], Any]


@dataclass
class Context:
    full_contacts: bool
    labels: dict[str, dict[str, str]]


def _points(kind: str) -> Callable[[Customer, Context], str]:
    def collect(customer: Customer, context: Context) -> str:
        values = [p.value for p in customer.points.all() if p.kind == kind]
        for contact in customer.contacts.all():
            values += [p.value for p in contact.points.all() if p.kind == kind]
        return "; ".join(shown_value(kind, v, full=context.full_contacts) for v in dict.fromkeys(values))

    return collect


def _label(field: str) -> Callable[[Customer, Context], str]:
    return lambda c, ctx: ctx.labels.get(field, {}).get(getattr(c, field), getattr(c, field))


BUILT_IN = [
    Column("id", "ID", lambda c, ctx: c.pk),
    Column("name", _("Name"), lambda c, ctx: c.name),
    Column("kind", _("Kind"), lambda c, ctx: c.get_kind_display()),
    Column("owner", _("Owner"), lambda c, ctx: str(c.owner) if c.owner else ""),
    Column("team", _("Team"), lambda c, ctx: str(c.team) if c.team else ""),
    Column("level", _("Level"), _label("level")),
    Column("stage", _("Lifecycle stage"), _label("stage")),
    Column("source", _("Source channel"), _label("source")),
    Column("industry", _("Industry"), _label("industry")),
    Column("phones", _("Phones"), _points("phone")),
    Column("emails", _("Emails"), _points("email")),
    Column("contacts", _("Contacts"), lambda c, ctx: "; ".join(contact.name for contact in c.contacts.all())),
    Column("province", _("Province"), lambda c, ctx: c.province),
    Column("city", _("City"), lambda c, ctx: c.city),
    Column("district", _("District"), lambda c, ctx: c.district),
    Column("address", _("Address"), lambda c, ctx: c.address),
    Column("website", _("Website"), lambda c, ctx: c.website),
    Column("size", _("Size"), lambda c, ctx: c.get_size_display() if c.size else ""),
    Column("tags", _("Tags"), lambda c, ctx: "; ".join(tag.name for tag in c.tags.all())),
    Column("notes", _("Notes"), lambda c, ctx: c.notes),
    Column("last_contacted_at", _("Last contacted"), lambda c, ctx: c.last_contacted_at),
    Column("next_follow_up_at", _("Next follow-up"), lambda c, ctx: c.next_follow_up_at),
    Column("created_at", _("Created"), lambda c, ctx: c.created_at),
    Column("updated_at", _("Updated"), lambda c, ctx: c.updated_at),
]
DEFAULT_KEYS = ["name", "kind", "owner", "level", "stage", "phones", "emails", "contacts", "province", "city", "tags"]


def _custom(definition: FieldDefinition) -> Column:
    return Column(
        f"custom.{definition.key}",
        definition.label,
        lambda c, ctx: custom_fields.display_value(definition, c.custom.get(definition.key)),
    )


def available_columns() -> list[Column]:
    return [*BUILT_IN, *(_custom(d) for d in field_definitions(FieldDefinition.Entity.CUSTOMER))]


def resolve(keys: list[str] | None) -> list[Column]:
    """The chosen columns in the chosen order; unknown keys are an error, none chosen means the defaults."""
    by_key = {column.key: column for column in available_columns()}
    keys = keys or DEFAULT_KEYS
    unknown = [key for key in keys if key not in by_key]
    if unknown:
        from django.core.exceptions import ValidationError

        raise ValidationError({"columns": [_("Unknown column “%(key)s”.") % {"key": key} for key in unknown]})
    return [by_key[key] for key in keys]


def context_for(full_contacts: bool) -> Context:
    return Context(full_contacts=full_contacts, labels=choice_labels())
