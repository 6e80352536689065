"""Phone numbers: parsed and validated by `phonenumbers`, stored as E.164 next to the raw text.

Mainland China (CN) is the default region, so local numbers (138 0013 8000, 020-8888 1234) parse without +86.
An unparseable or invalid number is kept as entered and flagged; nothing is "fixed" silently.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from django.utils.translation import gettext_lazy as _
from phonenumbers import geocoder

from kelu.core.text import to_halfwidth

DEFAULT_REGION = "CN"
_MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
_PROVINCE = re.compile(r"^(.+?(?:省|自治区|特别行政区))(.*)$")


_EXTENSION_WORDS = re.compile(r"\s*(?:转|分机|ext\.?|x)\s*(?=\d+\s*$)", re.IGNORECASE)

EMPTY, NOT_A_NUMBER, INVALID = "empty", "not_a_number", "invalid"
PROBLEMS = {
    EMPTY: _("The phone number is empty."),
    NOT_A_NUMBER: _("This is not a phone number."),
    INVALID: _("This phone number is not valid."),
}


@dataclass(frozen=True)
class Phone:
    raw: str
    normalized: str  # E.164 (+8613800138000) when valid, else the digits as entered
    is_valid: bool
    problem: str = ""  # a key of PROBLEMS; translated when shown
    extension: str = ""
    province: str = ""
    city: str = ""


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> Phone:
    raw = (raw or "").strip()
    return _normalize(raw, region)


@lru_cache(maxsize=100_000)
def _normalize(raw: str, region: str) -> Phone:
    text = _EXTENSION_WORDS.sub(" ext. ", to_halfwidth(raw).strip())
    if not text:
        return Phone(raw=raw, normalized="", is_valid=False, problem=EMPTY)
    digits = re.sub(r"[^\d+]", "", text)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return Phone(raw=raw, normalized=digits, is_valid=False, problem=NOT_A_NUMBER)
    if not phonenumbers.is_valid_number(number):
        return Phone(raw=raw, normalized=digits, is_valid=False, problem=INVALID)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    province, city = split_region(geocoder.description_for_number(number, "zh"))
    return Phone(
        raw=raw,
        normalized=e164,
        is_valid=True,
        extension=number.extension or "",
        province=province,
        city=city,
    )


def split_region(description: str) -> tuple[str, str]:
    """广东省深圳市 → (广东省, 深圳市); 北京市 → (北京市, 北京市); anything outside mainland China → ("", "")."""
    if description in _MUNICIPALITIES:
        return description, description
    match = _PROVINCE.match(description)
    if match:
        return match.group(1), match.group(2)
    return "", ""


def mask_phone(value: str) -> str:
    """138****8000: enough to recognise a number without disclosing it."""
    digits = value[3:] if value.startswith("+86") else value
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 8 else 1
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]
