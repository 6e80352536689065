from typing import Any

from django import template

from kelu.activities import services
from kelu.followups import services as follow_up_services

register = template.Library()

ICONS = {
    "call": "bi-telephone",
    "visit": "bi-geo-alt",
    "meeting": "bi-people",
    "email": "bi-envelope",
    "wechat": "bi-wechat",
    "note": "bi-sticky",
    "transaction": "bi-cash-coin",
}


@register.filter
def kind_icon(kind: str) -> str:
    return ICONS.get(kind, "bi-dot")


@register.filter
def activity_changeable(activity: Any, user: Any) -> bool:
    return services.may_change(user, activity)


@register.filter
def follow_up_changeable(follow_up: Any, user: Any) -> bool:
    return follow_up_services.may_change(user, follow_up)
