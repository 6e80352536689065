"""Readable change history of a customer or contact, its contact points included: who changed which field from
what to what, newest first."""

from typing import Any

from django.utils.translation import gettext as _

from kelu.accounts.models import Team, User
from kelu.core.masking import shown_value
from kelu.customers.models import Contact, ContactPoint, Customer, FieldDefinition, Tag
from kelu.customers.selectors import choice_labels

HISTORY_LIMIT = 200


def history_entries(record: Customer | Contact, *, full_contacts: bool = True) -> list[dict[str, Any]]:
    """Entries for display; ``full_contacts=False`` masks phones, emails and WeChat IDs in the changes."""
    model = type(record)
    records = list(
        record.history.select_related("history_user").order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1]
    )
    entity = FieldDefinition.Entity.CUSTOMER if model is Customer else FieldDefinition.Entity.CONTACT
    definitions = {d.key: d for d in FieldDefinition.objects.filter(entity=entity)}
    tag_names = dict(Tag.objects.values_list("id", "name"))
    lookups: dict[str, dict[Any, str]] = {
        "owner": {u.pk: str(u) for u in User.objects.all()},
        "team": dict(Team.objects.values_list("id", "name")),
        **choice_labels(),
        "kind": {key: str(label) for key, label in Customer.Kind.choices},
        "size": {key: str(label) for key, label in Customer.Size.choices},
    }
    entries = []
    for index, item in enumerate(records[:HISTORY_LIMIT]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = (
            _changes(model, item, previous, definitions, tag_names, lookups, full_contacts)
            if previous is not None
            else []
        )
        if previous is not None and not changes and item.history_type == "~":
            continue
        entries.append({"record": item, "changes": changes, "is_latest": index == 0, "revertible": True})
    point_entries = _point_entries(record)
    if not full_contacts:
        for entry in point_entries:
            entry["changes"] = [_masked(change, entry["record"].kind) for change in entry["changes"]]
    entries += point_entries
    entries.sort(key=lambda entry: entry["record"].history_date, reverse=True)
    return entries[:HISTORY_LIMIT]


def _point_entries(record: Customer | Contact) -> list[dict[str, Any]]:
    """Added, changed and removed phones and emails, as entries of their own (they are restored by editing)."""
    parent = "customer_id" if isinstance(record, Customer) else "contact_id"
    rows = list(
        ContactPoint.history.filter(**{parent: record.pk})
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")[: HISTORY_LIMIT * 2]
    )
    kinds = {key: str(label) for key, label in ContactPoint.Kind.choices}
    entries = []
    last: dict[int, Any] = {}
    for row in rows:
        before = last.get(row.id)
        label = kinds.get(row.kind, row.kind)
        if row.history_type == "+":
            change = (label, "", row.value)
        elif row.history_type == "-":
            change = (label, row.value, "")
        elif before is not None and before.value != row.value:
            change = (label, before.value, row.value)
        else:
            change = None
        last[row.id] = row
        if change:
            entries.append({"record": row, "changes": [change], "is_latest": False, "revertible": False})
    return entries


def _changes(
    model: type[Customer] | type[Contact],
    record: Any,
    previous: Any,
    definitions: dict[str, FieldDefinition],
    tag_names: dict[int, str],
    lookups: dict[str, dict[Any, str]],
    full_contacts: bool,
) -> list[tuple[str, str, str]]:
    delta = record.diff_against(previous)
    rows: list[tuple[str, str, str]] = []
    for change in delta.changes:
        if change.field == "custom":
            rows.extend(_custom_changes(change.old or {}, change.new or {}, definitions))
        elif change.field == "tags":
            old = sorted(tag_names.get(row["tag"], "?") for row in change.old or [])
            new = sorted(tag_names.get(row["tag"], "?") for row in change.new or [])
            if old != new:
                rows.append((str(_("Tags")), "、".join(old), "、".join(new)))
        elif change.field == "deleted_at":
            rows.append((str(_("Trash")), "", _("restored") if change.new is None else _("moved to trash")))
        else:
            label = str(getattr(model._meta.get_field(change.field), "verbose_name", change.field))
            names = lookups.get(change.field, {})
            row = (label, _display(names.get(change.old, change.old)), _display(names.get(change.new, change.new)))
            rows.append(row if full_contacts or change.field != "wechat" else _masked(row, "wechat"))
    return rows


def _custom_changes(
    old: dict[str, Any], new: dict[str, Any], definitions: dict[str, FieldDefinition]
) -> list[tuple[str, str, str]]:
    from kelu.customers.custom_fields import display_value

    rows = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        definition = definitions.get(key)
        if definition is None:
            rows.append((key, _display(old.get(key)), _display(new.get(key))))
        else:
            rows.append(
                (definition.label, display_value(definition, old.get(key)), display_value(definition, new.get(key)))
            )
    return rows


def _masked(change: tuple[str, str, str], kind: str) -> tuple[str, str, str]:
    label, old, new = change
    return label, shown_value(kind, old, full=False), shown_value(kind, new, full=False)


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True or value is False:
        return str(_("Yes") if value else _("No"))
    return str(value)
