from typing import Any

from django import template

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
