"""Email addresses: syntax checked by `email-validator` (no network), stored lower-cased next to the raw text."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email

from kelu.core.text import to_halfwidth

INVALID = "invalid"
PROBLEMS = {INVALID: _("This email address is not valid.")}


@dataclass(frozen=True)
class Email:
    raw: str
    normalized: str
    is_valid: bool
    problem: str = ""  # a key of PROBLEMS


def normalize_email(raw: str) -> Email:
    raw = (raw or "").strip()
    text = to_halfwidth(raw).strip().removeprefix("mailto:")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return Email(raw=raw, normalized=text.lower(), is_valid=False, problem=INVALID)
    return Email(raw=raw, normalized=result.normalized.lower(), is_valid=True)


def mask_email(value: str) -> str:
    """z***@example.com"""
    local, at, domain = value.partition("@")
    if not at:
        return value[:1] + "***"
    return f"{local[:1]}***@{domain}"
