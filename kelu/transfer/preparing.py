"""One row of a file turned into what will be stored, with every problem found, before anything is written.

``Plan`` holds what preparing needs (the mapping, custom field definitions, choice options, users) as plain data, so
rows can be prepared in helper processes; ``prepare`` is a pure function of a plan and a row. Normalisation is the
one the forms and the API use (``normalize_point``, ``name_fields``, ``custom_fields.clean_value``).
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kelu.accounts.models import User
from kelu.core.text import clean_name, clean_text
from kelu.customers import custom_fields
from kelu.customers.models import ChoiceOption, Customer, FieldDefinition
from kelu.customers.normalization import chinese_full_name, contact_name_fields, name_fields, normalize_point
from kelu.customers.selectors import field_definitions
from kelu.quality.duplicates import company_key
from kelu.transfer.mapping import IGNORE, normalize_header

MULTI = ":::"

# Problem classes: for each the user chooses to import the row with the problem flagged, or to skip the row.
INVALID_PHONE, INVALID_EMAIL, INVALID_VALUE = "invalid_phone", "invalid_email", "invalid_value"
UNKNOWN_CHOICE, MISSING_REQUIRED, UNKNOWN_OWNER = "unknown_choice", "missing_required", "unknown_owner"
PROBLEM_CLASSES = {
    INVALID_PHONE: gettext_lazy("Invalid phone number"),
    INVALID_EMAIL: gettext_lazy("Invalid email address"),
    INVALID_VALUE: gettext_lazy("Value of the wrong type (date, number, web address ...)"),
    UNKNOWN_CHOICE: gettext_lazy("Value that is not one of the field's options"),
    MISSING_REQUIRED: gettext_lazy("Required value missing"),
    UNKNOWN_OWNER: gettext_lazy("Owner that is not a user you may assign"),
}
FLAG_MEANS = {
    INVALID_PHONE: gettext_lazy("stored as written, marked invalid"),
    INVALID_EMAIL: gettext_lazy("stored as written, marked invalid"),
    INVALID_VALUE: gettext_lazy("kept in the notes"),
    UNKNOWN_CHOICE: gettext_lazy("kept in the notes"),
    MISSING_REQUIRED: gettext_lazy("imported without it"),
    UNKNOWN_OWNER: gettext_lazy("you become the owner"),
}
FLAG, SKIP = "flag", "skip"
CHOICE_FIELDS = ("level", "stage", "source", "industry")
_TEXT_LIMITS = {"province": 50, "city": 50, "district": 50, "address": 300, "title": 100, "department": 100,
                "wechat": 100}  # fmt: skip
_SIZES = {normalize_header(value): value for value in Customer.Size.values} | {
    normalize_header(str(label)): value for value, label in Customer.Size.choices
}


@dataclass
class Problem:
    code: str
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "column": self.column, "value": self.value[:200], "message": self.message}


@dataclass
class Prepared:
    """A row ready to store: a customer, maybe a contact, their contact points and tags, and what is wrong."""

    row: int
    kind: str = Customer.Kind.COMPANY
    customer: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] | None = None
    points: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    owner_id: int | None = None  # from an owner column; None: the import's owner
    problems: list[Problem] = field(default_factory=list)
    fatal: str = ""  # the row cannot be imported at all (no name)
    company_key: str = ""  # of a company's name (see quality.duplicates.company_key)

    @property
    def name(self) -> str:
        return str(self.customer.get("name") or "")

    def dedupe_keys(self) -> list[tuple[str, str]]:
        """What identifies the record for duplicate checks: valid phones and emails, the company key, the name."""
        found = [(p["kind"], p["normalized"]) for p in self.points if p["is_valid"] and p["kind"] in ("phone", "email")]
        if self.kind == Customer.Kind.COMPANY:
            key = self.company_key
            found.append(("company", key) if len(key) >= 2 else ("name", self.name))
        elif not found:
            # People are matched by phone or email; a person with neither only by the exact name.
            found.append(("name", self.name))
        return found


@dataclass
class Plan:
    headers: list[str]
    mapping: list[dict[str, Any]]
    definitions: dict[str, FieldDefinition]  # "customer.key" / "contact.key" → definition
    required: list[str]  # keys of ``definitions`` that are required
    choices: dict[str, dict[str, str]]  # field → {normalised key or label: key}
    users: dict[str, int]  # normalised user name / display name → id, of the users the actor may assign
    all_users: dict[str, int]
    option_labels: dict[str, dict[str, str]]  # field → {key: label}, for showing values


def build_plan(actor: User, headers: list[str], mapping: list[dict[str, Any]]) -> Plan:
    from kelu.core.permissions import assignable_owner_ids

    definitions: dict[str, FieldDefinition] = {}
    required: list[str] = []
    for entity in (FieldDefinition.Entity.CUSTOMER, FieldDefinition.Entity.CONTACT):
        for definition in field_definitions(entity):
            definitions[f"{entity}.{definition.key}"] = definition
            if definition.is_required:
                required.append(f"{entity}.{definition.key}")
    choices: dict[str, dict[str, str]] = {name: {} for name in CHOICE_FIELDS}
    for option in ChoiceOption.objects.filter(is_active=True):
        table = choices[option.field]
        for text in (option.key, option.label_zh, option.label_en):
            if text:
                table.setdefault(normalize_header(text), option.key)
    allowed = assignable_owner_ids(actor)
    users: dict[str, int] = {}
    all_users: dict[str, int] = {}
    for pk, username, display_name in User.objects.filter(is_active=True).values_list("pk", "username", "display_name"):
        for text in (username, display_name):
            if text:
                all_users.setdefault(normalize_header(text), pk)
                if allowed is None or pk in allowed:
                    users.setdefault(normalize_header(text), pk)
    option_labels = {field: {value: str(label) for value, label in Customer.Size.choices} for field in ("size",)}
    for option in ChoiceOption.objects.all():
        option_labels.setdefault(option.field, {})[option.key] = option.label
    return Plan(headers, mapping, definitions, required, choices, users, all_users, option_labels)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(MULTI) if part.strip()]


def prepare(plan: Plan, row: int, cells: list[str]) -> Prepared:
    result = Prepared(row=row)
    customer: dict[str, Any] = {}
    contact: dict[str, Any] = {}
    custom: dict[str, dict[str, Any]] = {"customer": {}, "contact": {}}
    notes_extra: list[str] = []
    family = given = ""

    def problem(code: str, column: str, value: str, message: str) -> None:
        result.problems.append(Problem(code, column, value, message))

    for index, entry in enumerate(plan.mapping):
        target = entry["target"]
        if target == IGNORE or index >= len(cells):
            continue
        raw = cells[index]
        if not raw or not raw.strip():
            continue
        column = plan.headers[index]
        if target in ("phone", "email"):
            labels = _split(cells[entry["label_column"]]) if entry.get("label_column") is not None else []
            for number, value in enumerate(_split(raw) or [raw]):
                label = entry.get("label") or (_google_label(target, labels[number]) if number < len(labels) else "")
                point = normalize_point(target, value)
                if not point.value:
                    continue
                result.points.append({
                    "kind": target, "label": label[:50], "value": point.value[:300],
                    "normalized": point.normalized[:300], "is_valid": point.is_valid, "problem": point.problem,
                    "province": point.province, "city": point.city,
                })  # fmt: skip
                if not point.is_valid:
                    if target == "phone":
                        problem(
                            INVALID_PHONE,
                            column,
                            value,
                            _("“%(value)s” is not a valid phone number.") % {"value": value},
                        )
                    else:
                        problem(
                            INVALID_EMAIL,
                            column,
                            value,
                            _("“%(value)s” is not a valid email address.") % {"value": value},
                        )
            continue
        if MULTI in raw and target not in ("customer.tags", "customer.owner") and not target.startswith("custom."):
            # Several values for a field that holds one (a vCard's second address): the first is stored, the others
            # are kept in the notes.
            raw, *others = _split(raw) or [""]
            notes_extra += [f"{column}: {other}" for other in others]
        if target == "customer.tags":
            for tag in _split(raw.replace("，", ",").replace(",", MULTI).replace("、", MULTI).replace(";", MULTI)):
                tag = tag.removeprefix("* ").strip()
                if tag and tag.lower() not in ("mycontacts", "starred") and tag not in result.tags:
                    result.tags.append(tag[:50])
        elif target == "customer.owner":
            owner = plan.users.get(normalize_header(raw))
            if owner is None:
                message = (
                    _("“%(value)s” is a user you may not make the owner.")
                    if normalize_header(raw) in plan.all_users
                    else _("There is no user “%(value)s”.")
                )
                problem(UNKNOWN_OWNER, column, raw, message % {"value": raw})
            result.owner_id = owner
        elif target.startswith("customer."):
            name = target.removeprefix("customer.")
            value = clean_text(raw) if name != "notes" else raw.strip()
            if name in CHOICE_FIELDS:
                key = _choice_key(plan.choices[name], value)
                if key is None:
                    problem(UNKNOWN_CHOICE, column, value, _not_an_option(value, column))
                    notes_extra.append(f"{column}: {value}")
                    continue
                value = key
            elif name == "size":
                size = _SIZES.get(normalize_header(value))
                if size is None:
                    problem(UNKNOWN_CHOICE, column, value, _not_an_option(value, column))
                    notes_extra.append(f"{column}: {value}")
                    continue
                value = size
            elif name == "website":
                value = value if "://" in value else f"https://{value}"
                try:
                    URLValidator(schemes=["http", "https"])(value)
                except ValidationError:
                    problem(INVALID_VALUE, column, raw, _("“%(value)s” is not a web address.") % {"value": raw})
                    notes_extra.append(f"{column}: {raw}")
                    continue
            elif name in _TEXT_LIMITS:
                value = value[: _TEXT_LIMITS[name]]
            customer[name] = value
        elif target.startswith("contact."):
            name = target.removeprefix("contact.")
            if name == "family_name":
                family = raw
            elif name == "given_name":
                given = raw
            elif name == "birthday":
                day = _date(raw)
                if day is None:
                    problem(INVALID_VALUE, column, raw, _("“%(value)s” is not a date.") % {"value": raw})
                    notes_extra.append(f"{column}: {raw}")
                else:
                    contact["birthday"] = day
            else:
                value = clean_text(raw) if name != "notes" else raw.strip()
                contact[name] = value[: _TEXT_LIMITS.get(name, 10_000)]
        elif target.startswith("custom."):
            _entity_key = target.removeprefix("custom.")
            definition = plan.definitions.get(_entity_key)
            if definition is None:
                continue
            entity = _entity_key.split(".", 1)[0]
            value_in: Any = raw.strip()
            if definition.type == FieldDefinition.Type.MULTI_SELECT:
                value_in = [
                    _option_key(definition, part) for part in _split(raw.replace(",", MULTI).replace("、", MULTI))
                ]
            elif definition.type == FieldDefinition.Type.SINGLE_SELECT:
                value_in = _option_key(definition, value_in)
            elif definition.type == FieldDefinition.Type.USER:
                value_in = plan.all_users.get(normalize_header(raw), raw)
            elif definition.type == FieldDefinition.Type.DATE:
                day = _date(raw)
                value_in = day or raw
            try:
                custom[entity][definition.key] = custom_fields.clean_value(definition, value_in)
            except ValidationError as error:
                code = UNKNOWN_CHOICE if definition.type in FieldDefinition.SELECT_TYPES else INVALID_VALUE
                problem(code, column, raw, " ".join(error.messages))
                notes_extra.append(f"{column}: {raw}")
    # Names: family name first, no space between Chinese parts (张 + 伟 → 张伟).
    if family or given:
        contact.setdefault("name", chinese_full_name(family, given))
    contact_name = clean_name(contact.get("name", ""))
    company = clean_name(customer.get("name", ""))
    if not company and not contact_name:
        result.fatal = _("The row has no customer name and no contact name.")
        return result
    result.kind = Customer.Kind.COMPANY if company else Customer.Kind.INDIVIDUAL
    customer.update(name_fields(company or contact_name))
    customer["name"] = customer["name"][:200]
    if company:
        result.company_key = company_key(customer["name"])
    for key in plan.required:
        entity, field_key = key.split(".", 1)
        if entity == "contact" and not contact_name:
            continue
        if custom[entity].get(field_key) in (None, "", []):
            definition = plan.definitions[key]
            problem(MISSING_REQUIRED, definition.label, "", _("“%(label)s” is required.") % {"label": definition.label})
    has_contact = bool(contact_name) or result.kind == Customer.Kind.INDIVIDUAL
    if not has_contact:  # contact details without a contact name: kept with the customer
        notes_extra += [f"{value}" for value in contact.values() if value]
    if notes_extra:
        # A value that fits no field is not dropped: it is kept, readable, in the notes.
        extra = "\n".join(notes_extra)
        customer["notes"] = f"{customer['notes']}\n{extra}" if customer.get("notes") else extra
    customer["custom"] = custom["customer"]
    if has_contact:
        # An individual customer's one primary contact is the person; a company's is the named contact person.
        contact.update(contact_name_fields(contact_name or customer["name"]))
        contact["name"] = contact["name"][:100]
        contact["custom"] = custom["contact"]
        result.contact = contact
    result.customer = customer
    return result


def _not_an_option(value: str, column: str) -> str:
    return _("“%(value)s” is not an option of “%(field)s”.") % {"value": value, "field": column}


def _choice_key(table: dict[str, str], value: str) -> str | None:
    """An option by key or label, also written the way people do in spreadsheets: "A级", "A类客户"."""
    text = normalize_header(value)
    for candidate in (text, text.removesuffix("客户"), text.removesuffix("类客户"), text.removesuffix("级"),
                      text.removesuffix("类")):  # fmt: skip
        if candidate in table:
            return table[candidate]
        for known, key in table.items():
            if known.removesuffix("类") == candidate:
                return key
    return None


def _option_key(definition: FieldDefinition, text: str) -> str:
    wanted = normalize_header(text)
    for option in definition.options:
        for name in (option.get("key"), option.get("label_zh"), option.get("label_en")):
            if name and normalize_header(str(name)) == wanted:
                return str(option["key"])
    return text


def _google_label(kind: str, label: str) -> str:
    """Google's and Outlook's labels in the words Kelu uses."""
    label = label.removeprefix("* ").strip()
    words = _PHONE_LABELS if kind == "phone" else _EMAIL_LABELS
    return words.get(label.lower(), label)


_PHONE_LABELS = {"mobile": "手机", "work": "办公", "home": "家庭", "main": "总机", "work fax": "传真",
                 "home fax": "传真", "other": ""}  # fmt: skip
_EMAIL_LABELS = {"work": "工作", "home": "个人", "personal": "个人", "other": ""}


def _date(raw: str) -> datetime.date | None:
    """2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日, 20240105 (and Excel cells already turned into ISO dates)."""
    if raw.strip().startswith("--"):  # no year (vCard 4.0, Google): the year-unknown convention 1604
        raw = "1604-" + raw.strip()[2:]
    text = clean_text(raw).replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    text = text.split(" ")[0].split("T")[0]
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    parts = text.split("-")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        text = f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    try:
        return parse_date(text)
    except ValueError:
        return None
