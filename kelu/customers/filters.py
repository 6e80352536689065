"""The filter language of the customer and contact lists: URL/query parameters → queryset conditions.

One language for the pages, the API, exports, bulk edits and saved views (README, "Filters and saved views").
A parameter is ``name`` or ``name__operator``; list-valued parameters take repeated values or commas
(``level=a&level=b`` ≡ ``level=a,b``), meaning *any of*. Names come from an allow-list: an unknown name, operator or a
bad value is an error naming the parameter (400 in the API, a message on the pages), never a server error.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import DateTimeField, DecimalField, Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from kelu.accounts.models import User
from kelu.core.permissions import team_member_ids
from kelu.core.planner import is_common
from kelu.customers.configuration import active_definitions, choice_labels
from kelu.customers.models import ChoiceOption, Contact, ContactPoint, Customer, FieldDefinition, Tag

# Parameters of a list that are not filters (text search, order, layout, paging, API extras).
LIST_PARAMS = frozenset(
    {"q", "sort", "columns", "layout", "cursor", "page_size", "view", "count", "updated_since", "trashed", "format"}
)
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
RANGE_OPERATORS = ("gte", "lte", "gt", "lt")
CUSTOM_PREFIX = "cf_"

Params = Mapping[str, list[str]]


@dataclass
class Chip:
    """One active filter value as shown above the list; removing it drops ``value`` from ``param``."""

    param: str
    value: str
    label: str


@dataclass
class ParsedFilters:
    conditions: list[Q] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    params: dict[str, list[str]] = field(default_factory=dict)  # the valid filter parameters, cleaned

    def apply(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        for condition in self.conditions:
            qs = qs.filter(condition)
        return qs


class FilterError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def params_of(data: Any) -> dict[str, list[str]]:
    """A QueryDict (or a saved view's stored dict) as {name: [values]}, without empty values."""
    items = data.lists() if hasattr(data, "lists") else data.items()
    cleaned: dict[str, list[str]] = {}
    for name, values in items:
        values = list(values) if isinstance(values, list | tuple) else [values]
        kept = [str(value).strip() for value in values if str(value).strip()]
        if kept:
            cleaned[str(name)] = kept
    return cleaned


def filter_params(params: Params) -> dict[str, list[str]]:
    """The filter parameters alone (what a saved view's filters, an export selection or a chip row take)."""
    return {name: values for name, values in params.items() if name not in LIST_PARAMS}


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _flag(values: list[str]) -> bool:
    value = values[-1].lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise FilterError(_("Use 1 or 0."))


def _moment(value: str, *, end_of_day: bool) -> datetime.datetime:
    """A date (whole day in the user's time zone) or an ISO 8601 time."""
    try:  # a plain date first: parse_datetime would read it as midnight
        day = parse_date(value)
        moment = None if day else parse_datetime(value)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise FilterError(_("Use a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM)."))
    if moment is None:
        assert day is not None
        if end_of_day:
            day += datetime.timedelta(days=1)
        moment = datetime.datetime.combine(day, datetime.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _date_range(path: str, operator: str, values: list[str]) -> Q:
    """``created__gte=2026-01-01`` includes that day; ``created__lte=2026-01-31`` includes the whole 31st."""
    value = values[-1]
    if operator == "gte":
        return Q(**{f"{path}__gte": _moment(value, end_of_day=False)})
    if operator == "gt":
        return Q(**{f"{path}__gte" if parse_date(value) else f"{path}__gt": _moment(value, end_of_day=True)})
    if operator == "lte":
        if parse_date(value):
            return Q(**{f"{path}__lt": _moment(value, end_of_day=True)})
        return Q(**{f"{path}__lte": _moment(value, end_of_day=False)})
    return Q(**{f"{path}__lt": _moment(value, end_of_day=False)})


LIMIT = Decimal(10) ** 18  # beyond a 64-bit integer the databases refuse the comparison itself


def _number(value: str, *, whole: bool) -> Decimal:
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or abs(number) >= LIMIT or (whole and number != number.to_integral_value()):
        raise FilterError(_("Use a whole number.") if whole else _("Use a number."))
    return number


def _is_id(value: str) -> bool:
    return value.isdigit() and len(value) <= 18


class _Language:
    """The parameters one list understands; subclasses declare the fields of customers or of contacts."""

    entity: str
    model: type[Customer] | type[Contact]
    choice_fields: tuple[str, ...] = ()  # exact any-of / __not / __empty
    text_fields: tuple[str, ...] = ()  # __contains (and exact any-of)
    date_fields: dict[str, str] = {}  # param → model field (ranges, __empty)

    def __init__(self, user: User, *, walk_order: bool = False) -> None:
        """``walk_order``: for a page of the list, shaped so that SQLite walks the index of the list's order
        (kelu/core/planner.py); counts, exports and bulk edits leave the planner free to start from a filter."""
        self.user = user
        self.walk_order = walk_order
        self._definitions: dict[str, FieldDefinition] | None = None

    def _field(self, name: str) -> Any:
        return self.model._meta.get_field(name)

    # --- entry point ---

    def parse(self, params: Params) -> ParsedFilters:
        parsed = ParsedFilters()
        names = filter_params(params)
        mode = names.pop("tag_mode", None)
        for name, values in names.items():
            base, _sep, operator = name.partition("__")
            try:
                condition, labels = self.condition(base, operator, values, params)
            except FilterError as error:
                parsed.errors[name] = error.message
                continue
            parsed.conditions.append(condition)
            parsed.params[name] = values
            parsed.chips += [Chip(name, value, label) for value, label in labels]
        if mode is not None:
            if mode[-1] not in ("any", "all", "none"):
                parsed.errors["tag_mode"] = _("Use any, all or none.")
            elif "tag" in parsed.params:
                parsed.params["tag_mode"] = mode[-1:]
        return parsed

    def condition(self, base: str, operator: str, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        if base.startswith(CUSTOM_PREFIX):
            return self.custom_condition(base[len(CUSTOM_PREFIX) :], operator, values)
        handler: Callable[..., tuple[Q, list[tuple[str, str]]]] | None = getattr(self, f"filter_{base}", None)
        if handler is not None:
            if operator:
                raise FilterError(_("This filter takes no operator."))
            return handler(values, params)
        if base in self.choice_fields or base in self.text_fields:
            return self.field_condition(base, operator, values)
        if base in self.date_fields:
            return self.date_condition(base, operator, values)
        raise FilterError(_("There is no filter of this name."))

    # --- kinds of filters ---

    def field_condition(self, base: str, operator: str, values: list[str]) -> tuple[Q, list[tuple[str, str]]]:
        label = str(self._field(base).verbose_name)
        if operator == "empty":
            empty = _flag(values)
            condition = Q(**{base: ""})
            return (condition if empty else ~condition), [(values[-1], f"{label}: {_('empty') if empty else _('any')}")]
        if operator == "contains" and base in self.text_fields:
            return Q(**{f"{base}__icontains": values[-1]}), [(values[-1], f"{label} ∋ {values[-1]}")]
        if operator not in ("", "not"):
            raise FilterError(_("Unknown operator."))
        keys = _split(values)
        self.check_choices(base, keys)
        condition = Q(**{f"{base}__in": keys})
        names = self.choice_label(base)
        if operator == "not":
            return ~condition, [(key, f"{label} ≠ {names(key)}") for key in keys]
        return condition, [(key, f"{label}: {names(key)}") for key in keys]

    def check_choices(self, base: str, keys: list[str]) -> None:
        choices = self._field(base).choices
        if choices:
            unknown = [key for key in keys if key not in {str(value) for value, _label in choices}]
            if unknown:
                raise FilterError(_("Unknown value: %(values)s.") % {"values": ", ".join(unknown)})

    def choice_label(self, base: str) -> Callable[[str], str]:
        choices = dict(self._field(base).choices or [])
        if choices:
            return lambda key: str(choices.get(key, key))
        if base in ChoiceOption.Field.values:
            labels = choice_labels().get(base, {})
            return lambda key: labels.get(key, key)
        return lambda key: key

    def date_condition(self, base: str, operator: str, values: list[str]) -> tuple[Q, list[tuple[str, str]]]:
        path = self.date_fields[base]
        label = str(self._field(path).verbose_name)
        if operator == "empty":
            empty = _flag(values)
            return Q(**{f"{path}__isnull": empty}), [(values[-1], f"{label}: {_('empty') if empty else _('any')}")]
        if operator not in RANGE_OPERATORS:
            raise FilterError(_("Use __gte, __lte, __gt, __lt or __empty."))
        signs = {"gte": "≥", "lte": "≤", "gt": ">", "lt": "<"}
        return _date_range(path, operator, values), [(values[-1], f"{label} {signs[operator]} {values[-1]}")]

    def tag_condition(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``tag=vip&tag=key``: any of them (default); ``tag_mode=all``: all of them; ``tag_mode=none``: none."""
        names = _split(values)
        mode = (params.get("tag_mode") or ["any"])[-1]
        tag_ids = list(Tag.objects.filter(name__in=names).values_list("id", flat=True))
        through = self.model.tags.through
        column = f"{self.entity}_id"
        if mode == "all":
            if len(tag_ids) < len(set(names)):  # a tag that does not exist: nobody has all of them
                return Q(pk__in=[]), [(name, f"{_('Tag')}: {name}") for name in names]
            condition = Q()
            for tag_id in tag_ids:
                condition &= Q(pk__in=through.objects.filter(tag_id=tag_id).values(column))
            return condition, [(name, f"{_('Tag')}: {name}") for name in names]
        links = through.objects.filter(tag_id__in=tag_ids)
        if self.walk_order and is_common(links):  # checked row by row while walking the list's order
            having = Q(Exists(links.filter(**{column: OuterRef("pk")})))
        else:
            having = Q(pk__in=links.values(column))
        if mode == "none":
            return ~having, [(name, f"{_('Not tagged')}: {name}") for name in names]
        return having, [(name, f"{_('Tag')}: {name}") for name in names]

    def invalid_condition(self, values: list[str], points_of: Callable[[str], Q]) -> tuple[Q, list[tuple[str, str]]]:
        kinds = _split(values)
        labels = {"phone": _("Invalid phone"), "email": _("Invalid email")}
        unknown = [kind for kind in kinds if kind not in labels]
        if unknown:
            raise FilterError(_("Use phone or email."))
        condition = Q()
        for kind in kinds:
            condition |= points_of(kind)
        return condition, [(kind, labels[kind]) for kind in kinds]

    # --- custom fields ---

    def definitions(self) -> dict[str, FieldDefinition]:
        if self._definitions is None:
            found = active_definitions(self.entity)
            self._definitions = {definition.key: definition for definition in found if definition.is_filterable}
        return self._definitions

    def custom_condition(self, key: str, operator: str, values: list[str]) -> tuple[Q, list[tuple[str, str]]]:
        definition = self.definitions().get(key)
        if definition is None:
            raise FilterError(_("There is no filterable custom field of this name."))
        kind, label = definition.type, definition.label
        Type = FieldDefinition.Type
        if operator == "empty":  # empty values are not stored (custom_fields.clean_custom_values)
            empty = _flag(values)
            blank = ~Q(custom__has_key=key)
            return (blank if empty else ~blank), [(values[-1], f"{label}: {_('empty') if empty else _('any')}")]
        if kind in (Type.INTEGER, Type.DECIMAL, Type.DATE, Type.DATETIME):
            return self.custom_range(definition, operator, values)
        if operator == "contains" and kind in (Type.TEXT, Type.LONG_TEXT, Type.URL, Type.EMAIL, Type.PHONE):
            return Q(**{f"custom__{key}__icontains": values[-1]}), [(values[-1], f"{label} ∋ {values[-1]}")]
        if operator:
            raise FilterError(_("Unknown operator."))
        if kind == Type.BOOLEAN:
            wanted = _flag(values)
            # JSON true/false compare alike on SQLite and PostgreSQL through the key lookup.
            return Q(**{f"custom__{key}": wanted}), [(values[-1], f"{label}: {_('Yes') if wanted else _('No')}")]
        if kind in FieldDefinition.SELECT_TYPES:
            keys = _split(values)
            unknown = [item for item in keys if item not in {option.get("key") for option in definition.options}]
            if unknown:
                raise FilterError(_("Unknown value: %(values)s.") % {"values": ", ".join(unknown)})
            if kind == Type.SINGLE_SELECT:
                condition = Q(**{f"custom__{key}__in": keys})
            else:  # the stored JSON array, as text, holds each chosen key in quotes (keys have no quotes)
                condition = Q()
                for item in keys:
                    condition |= Q(**{f"custom__{key}__icontains": f'"{item}"'})
            return condition, [(item, f"{label}: {definition.option_label(item)}") for item in keys]
        if kind == Type.USER:
            ids = []
            for item in _split(values):
                if item == "me":
                    ids.append(self.user.pk)
                elif _is_id(item):
                    ids.append(int(item))
                else:
                    raise FilterError(_("Use a user id or me."))
            return Q(**{f"custom__{key}__in": ids}), [(str(pk), f"{label}: {pk}") for pk in ids]
        return Q(**{f"custom__{key}__in": _split(values)}), [(item, f"{label}: {item}") for item in _split(values)]

    def custom_range(
        self, definition: FieldDefinition, operator: str, values: list[str]
    ) -> tuple[Q, list[tuple[str, str]]]:
        Type = FieldDefinition.Type
        key, value = definition.key, values[-1]
        if operator and operator not in RANGE_OPERATORS:
            raise FilterError(_("Use __gte, __lte, __gt, __lt or __empty."))
        text = KeyTextTransform(key, "custom")
        bound: Any
        if definition.type in (Type.INTEGER, Type.DECIMAL):
            bound = _number(value, whole=definition.type == Type.INTEGER)
            expression: Any = Cast(text, DecimalField(max_digits=30, decimal_places=10))
            if definition.type == Type.INTEGER:
                expression, bound = Cast(text, IntegerField()), int(bound)
        elif definition.type == Type.DATE:
            try:
                day = parse_date(value)
            except ValueError:
                day = None
            if day is None:
                raise FilterError(_("Use a date (YYYY-MM-DD)."))
            expression, bound = text, day.isoformat()  # ISO dates order as text
        else:
            expression = Cast(text, DateTimeField())
            bound = _moment(value, end_of_day=operator in ("lte", "gt"))
            if parse_date(value) and operator in ("lte", "gt"):
                operator = "lt" if operator == "lte" else "gte"
        lookup = {"gte": GreaterThanOrEqual, "lte": LessThanOrEqual, "gt": GreaterThan, "lt": LessThan, "": Exact}
        signs = {"gte": "≥", "lte": "≤", "gt": ">", "lt": "<", "": "="}
        condition = Q(lookup[operator](expression, bound))
        return condition, [(value, f"{definition.label} {signs[operator]} {value}")]


def _owner_label(user: User, value: str) -> str:
    names = {"me": _("Mine"), "team": _("My team's"), "pool": _("Public pool")}
    if value in names:
        return names[value]
    found = User.objects.filter(pk=int(value)).first()
    return str(found) if found else value


class CustomerFilters(_Language):
    entity = "customer"
    model = Customer
    choice_fields = ("level", "stage", "source", "industry", "kind", "size", "province", "city", "district")
    text_fields = ("province", "city", "district", "address")
    date_fields = {
        "created": "created_at",
        "updated": "updated_at",
        "last_contacted": "last_contacted_at",
        "next_follow_up": "next_follow_up_at",
    }

    def filter_owner(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``owner=me|team|pool|<user id>``, any of them."""
        return _owner_condition(self.user, _split(values), prefix="")

    def filter_team(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``team=<team id>|none``."""
        from kelu.accounts.models import Team

        condition, chips = Q(), []
        names = dict(Team.objects.values_list("id", "name"))
        for item in _split(values):
            if item == "none":
                condition |= Q(team__isnull=True)
                chips.append((item, f"{_('Team')}: {_('none')}"))
            elif _is_id(item):
                condition |= Q(team_id=int(item))
                chips.append((item, f"{_('Team')}: {names.get(int(item), item)}"))
            else:
                raise FilterError(_("Use a team id or none."))
        return condition, chips

    def filter_tag(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        return self.tag_condition(values, params)

    def filter_stale_days(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """Not contacted for N days, never contacted included."""
        value = values[-1]
        if not value.isdigit() or int(value) > 36500:
            raise FilterError(_("Use a number of days."))
        since = timezone.now() - datetime.timedelta(days=int(value))
        condition = Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=since)
        return condition, [(value, _("Not contacted for %(days)s days") % {"days": value})]

    def filter_overdue(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``overdue=1``: the next follow-up is past due; ``overdue=0``: it is not (or there is none)."""
        now = timezone.now()
        if _flag(values):
            return Q(next_follow_up_at__lt=now), [(values[-1], _("Follow-up overdue"))]
        condition = Q(next_follow_up_at__isnull=True) | Q(next_follow_up_at__gte=now)
        return condition, [(values[-1], _("Follow-up not overdue"))]

    def filter_invalid(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``invalid=phone|email``: the customer or one of its contacts has such an invalid value."""

        def points_of(kind: str) -> Q:
            bad = ContactPoint.objects.filter(kind=kind, is_valid=False)
            own = bad.filter(customer_id=OuterRef("pk"))
            of_contacts = bad.filter(contact__customer_id=OuterRef("pk"), contact__deleted_at__isnull=True)
            return Q(Exists(own)) | Q(Exists(of_contacts))

        return self.invalid_condition(values, points_of)

    def filter_no_contact(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``no_contact=1``: no living contact; ``no_contact=0``: at least one."""
        living = Contact.objects.filter(customer_id=OuterRef("pk"), deleted_at__isnull=True)
        if _flag(values):
            return ~Q(Exists(living)), [(values[-1], _("Has no contact"))]
        return Q(Exists(living)), [(values[-1], _("Has a contact"))]

    def filter_no_points(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``no_points=1``: no phone, email or other contact detail, of its own or of a living contact."""
        own = ContactPoint.objects.filter(customer_id=OuterRef("pk"))
        of_contacts = ContactPoint.objects.filter(contact__customer_id=OuterRef("pk"), contact__deleted_at__isnull=True)
        having = Q(Exists(own)) | Q(Exists(of_contacts))
        if _flag(values):
            return ~having, [(values[-1], _("Without any phone or email"))]
        return having, [(values[-1], _("Has a phone or email"))]

    def filter_missing(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``missing=<custom field key>``: the field has no value (any active custom field, e.g. a required one)."""
        active = {d.key: d for d in active_definitions(self.entity)}
        condition, chips = Q(), []
        for key in _split(values):
            if key not in active:
                raise FilterError(_("There is no custom field of this name."))
            condition |= Q(**{f"custom__{key}__isnull": True}) | Q(**{f"custom__{key}": ""})
            chips.append((key, _("Missing “%(label)s”") % {"label": active[key].label}))
        return condition, chips


class ContactFilters(_Language):
    entity = "contact"
    model = Contact
    choice_fields = ("title", "department")
    text_fields = ("title", "department")
    date_fields = {"created": "created_at", "updated": "updated_at", "birthday": "birthday"}

    def filter_letter(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``letter=A`` … ``Z`` or ``#``: the A–Z index of the address book."""
        letter = values[-1].upper()
        if letter not in CONTACT_LETTERS:
            raise FilterError(_("Use a letter A–Z or #."))
        return Q(sort_letter=letter), [(values[-1], f"{_('Letter')}: {letter}")]

    def filter_customer(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """``customer=<customer id>|none`` (standalone contacts)."""
        condition, chips = Q(), []
        for item in _split(values):
            if item == "none":
                condition |= Q(customer__isnull=True)
                chips.append((item, _("No customer")))
            elif _is_id(item):
                condition |= Q(customer_id=int(item))
                chips.append((item, f"{_('Customer')}: {item}"))
            else:
                raise FilterError(_("Use a customer id or none."))
        return condition, chips

    def filter_owner(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        """The owner of the contact's customer, or of the contact itself when it has no customer."""
        of_customer, chips = _owner_condition(self.user, _split(values), prefix="customer__")
        standalone, _chips = _owner_condition(self.user, _split(values), prefix="")
        return (Q(customer__isnull=False) & of_customer) | (Q(customer__isnull=True) & standalone), chips

    def filter_tag(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        return self.tag_condition(values, params)

    def filter_decision_maker(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        wanted = _flag(values)
        return Q(is_decision_maker=wanted), [(values[-1], _("Decision maker") if wanted else _("Not a decision maker"))]

    def filter_invalid(self, values: list[str], params: Params) -> tuple[Q, list[tuple[str, str]]]:
        def points_of(kind: str) -> Q:
            return Q(Exists(ContactPoint.objects.filter(contact_id=OuterRef("pk"), kind=kind, is_valid=False)))

        return self.invalid_condition(values, points_of)


CONTACT_LETTERS = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "#"]


def _owner_condition(user: User, values: list[str], *, prefix: str) -> tuple[Q, list[tuple[str, str]]]:
    condition = Q()
    for item in values:
        if item == "me":
            condition |= Q(**{f"{prefix}owner_id": user.pk})
        elif item == "team":
            condition |= Q(**{f"{prefix}owner_id__in": team_member_ids(user) or [user.pk]})
        elif item == "pool":
            condition |= Q(**{f"{prefix}owner__isnull": True})
        elif _is_id(item):
            condition |= Q(**{f"{prefix}owner_id": int(item)})
        else:
            raise FilterError(_("Use me, team, pool or a user id."))
    return condition, [(item, f"{_('Owner')}: {_owner_label(user, item)}") for item in values]
