"""What a user who may not see full contact details sees instead: 138****8000, z***@example.com, w***.

Every place that shows a phone, email or WeChat ID (pages, API, search highlights, history, exports) goes through
``shown_value`` so the rule holds everywhere; ``kelu.core.permissions.may_see_full_contacts`` decides who sees what.
"""

from typing import Any

from kelu.core.emails import mask_email
from kelu.core.phones import mask_phone

MASKED_KINDS = ("phone", "email", "wechat", "other")


def mask_value(kind: str, value: str) -> str:
    if not value:
        return value
    if kind == "phone":
        digits = "".join(char for char in value if char.isdigit() or char == "+")
        return mask_phone(digits or value)
    if kind == "email":
        return mask_email(value)
    return value[:1] + "***"


def shown_value(kind: str, value: str, *, full: bool) -> str:
    return value if full or kind not in MASKED_KINDS else mask_value(kind, value)


def sees_full_contacts(request: Any) -> bool:
    """Whether the request's user may see contact details unmasked (computed once per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not hasattr(request, "_kelu_full_contacts"):
        from kelu.core.permissions import may_see_full_contacts

        request._kelu_full_contacts = may_see_full_contacts(user)
    return bool(request._kelu_full_contacts)
