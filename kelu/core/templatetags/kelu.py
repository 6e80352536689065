from typing import Any

from django import template

from kelu.core.masking import sees_full_contacts, shown_value

register = template.Library()


@register.filter
def lookup(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``{{ labels.level|lookup:customer.level }}``; the key itself when it is not in the mapping."""
    if not mapping:
        return key
    return mapping.get(key, key)


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters changed, so list state survives sorting and paging."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _sees_full_contacts(context: Any) -> bool:
    return sees_full_contacts(context.get("request"))


@register.simple_tag(takes_context=True)
def full_contacts(context: Any) -> bool:
    """``{% full_contacts as full %}``: whether the viewing user may see phones and emails unmasked."""
    return _sees_full_contacts(context)


@register.simple_tag(takes_context=True)
def shown(context: Any, kind: str, value: str) -> str:
    """``{% shown "phone" point.value %}``: the value, masked for users who may not see full contact details."""
    return shown_value(kind, value or "", full=_sees_full_contacts(context))


@register.filter
def minutes(value: Any) -> int:
    """A timedelta as whole minutes (at least 1)."""
    return max(1, int(value.total_seconds() // 60)) if value else 0
