"""Validation of custom field values by type: the one place forms, API and imports check them."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from kelu.core import emails, phones
from kelu.customers.configuration import active_definitions
from kelu.customers.models import FieldDefinition

Type = FieldDefinition.Type


def clean_custom_values(
    entity: str, values: dict[str, Any], *, existing: dict[str, Any] | None = None, exclude_pk: int | None = None
) -> dict[str, Any]:
    """Validate ``values`` (a partial update) against the active definitions; returns the merged ``custom`` dict.

    Keys of inactive fields in ``existing`` are kept untouched. Raises ValidationError with a message per key.
    """
    if not isinstance(values, dict):
        raise ValidationError({"custom": [_("Custom fields must be an object of key: value.")]})
    definitions = {d.key: d for d in active_definitions(entity)}
    merged = dict(existing or {})
    errors: dict[str, list[str]] = {}
    for key, raw in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[key] = [_("There is no custom field “%(key)s”.") % {"key": key}]
            continue
        try:
            value = clean_value(definition, raw)
        except ValidationError as exc:
            errors[key] = exc.messages
            continue
        if value in (None, "", []):
            merged.pop(key, None)
        else:
            merged[key] = value
    for key, definition in definitions.items():
        if key in errors:
            continue
        if definition.is_required and merged.get(key) in (None, "", []):
            errors[key] = [_("“%(label)s” is required.") % {"label": definition.label}]
        elif definition.is_unique and key in merged and _taken(definition, merged[key], exclude_pk):
            errors[key] = [_("Another record already has this “%(label)s”.") % {"label": definition.label}]
    if errors:
        raise ValidationError(errors)
    return merged


def _taken(definition: FieldDefinition, value: Any, exclude_pk: int | None) -> bool:
    from kelu.customers.models import Contact, Customer

    model = Customer if definition.entity == FieldDefinition.Entity.CUSTOMER else Contact
    same = model.objects.filter(**{f"custom__{definition.key}": value})
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.exists()


def clean_value(definition: FieldDefinition, raw: Any) -> Any:
    """One value to its stored JSON form; empty input → None. Raises ValidationError with a clear message."""
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    kind = definition.type
    label = definition.label
    if kind in (Type.TEXT, Type.LONG_TEXT):
        if not isinstance(raw, str | int | float):
            raise ValidationError(_("“%(label)s” must be text.") % {"label": label})
        text = str(raw).strip()
        limit = 10_000 if kind == Type.LONG_TEXT else 500
        if len(text) > limit:
            raise ValidationError(
                _("“%(label)s” is longer than %(limit)d characters.") % {"label": label, "limit": limit}
            )
        return text
    if kind == Type.INTEGER:
        if isinstance(raw, bool):
            raise ValidationError(_("“%(label)s” must be a whole number.") % {"label": label})
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationError(_("“%(label)s” must be a whole number.") % {"label": label}) from None
        if number != number.to_integral_value():
            raise ValidationError(_("“%(label)s” must be a whole number.") % {"label": label})
        return int(number)
    if kind == Type.DECIMAL:
        if isinstance(raw, bool):
            raise ValidationError(_("“%(label)s” must be a number.") % {"label": label})
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationError(_("“%(label)s” must be a number.") % {"label": label}) from None
        if not number.is_finite():
            raise ValidationError(_("“%(label)s” must be a number.") % {"label": label})
        return str(number)  # JSON has no decimal type; a string keeps every digit.
    if kind == Type.DATE:
        date = raw if isinstance(raw, datetime.date) else _parse(parse_date, raw)
        if date is None:
            raise ValidationError(_("“%(label)s” must be a date (YYYY-MM-DD).") % {"label": label})
        return date.isoformat()
    if kind == Type.DATETIME:
        moment = raw if isinstance(raw, datetime.datetime) else _parse(parse_datetime, raw)
        if moment is None:
            raise ValidationError(_("“%(label)s” must be a date and time (YYYY-MM-DDTHH:MM).") % {"label": label})
        return moment.isoformat()
    if kind == Type.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "y", "on", "是", "对", "真"}:
            return True
        if text in {"0", "false", "no", "n", "off", "否", "不", "假"}:
            return False
        raise ValidationError(_("“%(label)s” must be yes or no.") % {"label": label})
    if kind in FieldDefinition.SELECT_TYPES:
        keys = [option["key"] for option in definition.options]
        chosen = raw if isinstance(raw, list) else [raw]
        if kind == Type.SINGLE_SELECT and len(chosen) != 1:
            raise ValidationError(_("“%(label)s” takes one option.") % {"label": label})
        unknown = [str(item) for item in chosen if str(item) not in keys]
        if unknown:
            raise ValidationError(
                _("“%(value)s” is not an option of “%(label)s”.") % {"value": ", ".join(unknown), "label": label}
            )
        picked = [str(item) for item in dict.fromkeys(chosen)]
        return picked[0] if kind == Type.SINGLE_SELECT else picked
    if kind == Type.URL:
        text = str(raw).strip()
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise ValidationError(_("“%(label)s” must be a web address (https://…).") % {"label": label}) from None
        return text
    if kind == Type.EMAIL:
        email = emails.normalize_email(str(raw))
        if not email.is_valid:
            raise ValidationError(_("“%(label)s” must be an email address.") % {"label": label})
        return email.normalized
    if kind == Type.PHONE:
        phone = phones.normalize_phone(str(raw))
        if not phone.is_valid:
            raise ValidationError(_("“%(label)s” must be a phone number.") % {"label": label})
        return phone.normalized
    if kind == Type.USER:
        from kelu.accounts.models import User

        try:
            user_id = int(raw)
        except (TypeError, ValueError):
            user_id = None
        if user_id is None or not User.objects.filter(pk=user_id, is_active=True).exists():
            raise ValidationError(_("“%(label)s” must be an active user.") % {"label": label})
        return user_id
    raise ValidationError(_("Unknown field type."))


def _parse(parser: Any, raw: Any) -> Any:
    try:
        return parser(str(raw).strip())
    except (ValueError, TypeError):
        return None


def display_value(definition: FieldDefinition, value: Any) -> str:
    """A stored value as people read it."""
    if value is None or value == "" or value == []:
        return ""
    if definition.type == Type.BOOLEAN:
        return _("Yes") if value else _("No")
    if definition.type == Type.SINGLE_SELECT:
        return definition.option_label(str(value))
    if definition.type == Type.MULTI_SELECT:
        return "、".join(definition.option_label(str(v)) for v in value)
    if definition.type == Type.USER:
        from kelu.accounts.models import User

        user = User.objects.filter(pk=value).first()
        return str(user) if user else str(value)
    return str(value)
