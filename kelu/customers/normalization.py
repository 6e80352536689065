"""Turning what users type into stored values: contact points and names, the same for forms, API and imports."""

from dataclasses import dataclass
from typing import Any

from kelu.core import emails, phones
from kelu.core.text import clean_name, clean_text, pinyin_of, sort_letter


@dataclass(frozen=True)
class PointValue:
    kind: str
    value: str
    normalized: str
    is_valid: bool
    problem: str = ""
    province: str = ""
    city: str = ""


def normalize_point(kind: str, raw: str) -> PointValue:
    raw = clean_text(raw)
    if kind == "phone":
        phone = phones.normalize_phone(raw)
        return PointValue(kind, raw, phone.normalized, phone.is_valid, phone.problem, phone.province, phone.city)
    if kind == "email":
        email = emails.normalize_email(raw)
        return PointValue(kind, raw, email.normalized, email.is_valid, email.problem)
    return PointValue(kind, raw, raw.lower() if kind == "wechat" else raw, bool(raw))


def problem_message(kind: str, problem: str) -> Any:
    if not problem:
        return ""
    table = phones.PROBLEMS if kind == "phone" else emails.PROBLEMS
    return table.get(problem, problem)


def name_fields(name: str) -> dict[str, str]:
    """The cleaned name and its derived search fields."""
    name = clean_name(name)
    full, initials = pinyin_of(name)
    return {"name": name, "name_pinyin": full, "name_initials": initials}


def contact_name_fields(name: str) -> dict[str, str]:
    fields = name_fields(name)
    fields["sort_letter"] = sort_letter(fields["name"])
    return fields


def chinese_full_name(family: str, given: str) -> str:
    """Family name first; no space between Chinese parts (张 + 伟 → 张伟), Western names keep theirs."""
    family, given = clean_name(family), clean_name(given)
    if not family or not given:
        return family or given
    from kelu.core.text import has_han

    if has_han(family) or has_han(given):
        return f"{family}{given}"
    return f"{given} {family}"
