"""vCards (2.1, 3.0, 4.0) as rows of a table with fixed columns, so they go through the same mapping as spreadsheets.

vobject parses the cards; before that, vCard 2.1's quoted-printable soft line breaks (a line ending in ``=``) are
joined, which vobject does not do. Several values of a kind share one column, separated by `` ::: `` as in Google's
CSV export. Photos and other binary properties are ignored.
"""

import re
from pathlib import Path
from typing import Any

import vobject
from django.utils.translation import gettext as _

MULTI = " ::: "
HEADERS = [
    "Full name", "Organization", "Department", "Title",
    "Mobile phone", "Work phone", "Home phone", "Fax", "Other phone",
    "Work email", "Home email", "Other email", "Address", "Birthday", "Website", "Notes", "Categories",
]  # fmt: skip
_PHONE_COLUMNS = {"cell": "Mobile phone", "mobile": "Mobile phone", "iphone": "Mobile phone", "work": "Work phone",
                  "home": "Home phone", "fax": "Fax"}  # fmt: skip
_EMAIL_COLUMNS = {"work": "Work email", "home": "Home email"}
_QP_START = re.compile(r"ENCODING=QUOTED-PRINTABLE", re.IGNORECASE)


_BINARY = re.compile(r"^(?:[\w-]+\.)?(?:PHOTO|LOGO|SOUND|KEY)[;:]", re.IGNORECASE)


def _join_soft_breaks(text: str) -> str:
    """vCard 2.1 quoted-printable lines ending in "=" continue on the next line; photos and other binary properties
    (with their folded continuation lines) are dropped: a damaged photo must not make the card unreadable."""
    lines = text.splitlines()
    joined: list[str] = []
    continuing = dropping = False
    for line in lines:
        if dropping and line[:1] in (" ", "\t"):
            continue
        dropping = bool(_BINARY.match(line))
        if dropping:
            continue
        if continuing:
            joined[-1] = joined[-1][:-1] + line.lstrip()
        else:
            joined.append(line)
        continuing = bool(_QP_START.search(joined[-1].split(":", 1)[0])) and joined[-1].endswith("=")
    return "\r\n".join(joined) + "\r\n"


def _types(prop: Any) -> list[str]:
    """TYPE=cell,voice · TYPE=CELL;TYPE=VOICE · vCard 2.1's bare TEL;CELL;PREF, all as ["cell", "voice" ...]."""
    found = [str(value).lower() for value in getattr(prop, "singletonparams", [])]
    for key, values in prop.params.items():
        if key.upper() == "TYPE":
            found += [part.strip().lower() for value in values for part in str(value).split(",")]
    return found


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(item) for item in value if item)
    return str(value or "").strip()


def _birthday(value: str) -> str:
    """19800315, 1980-03-15, --0315 (4.0, no year) and 16040101 (Thunderbird/Apple: year unknown) as ISO dates."""
    digits = value.strip().split("T")[0].replace("-", "")
    if len(digits) == 4 and value.startswith("--"):
        return f"1604-{digits[:2]}-{digits[2:]}"
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return value.strip()


def read_rows(path: Path, encoding: str) -> list[list[str]]:
    from kelu.transfer.reading import FileProblem

    text = path.read_bytes().decode(encoding or "utf-8", errors="replace")
    if "BEGIN:VCARD" not in text.upper():
        raise FileProblem(_("The file holds no vCards."))
    try:
        cards = list(vobject.readComponents(_join_soft_breaks(text), ignoreUnreadable=True))
    except Exception:  # vobject raises several error classes for broken cards
        raise FileProblem(_("The vCard file is damaged and cannot be read.")) from None
    return [_row(card) for card in cards if card.name.upper() == "VCARD"]


def _row(card: Any) -> list[str]:
    values: dict[str, list[str]] = {header: [] for header in HEADERS}
    family, given = "", ""
    labels = {
        prop.group: _text(prop.value)
        for prop in card.getChildren()
        if prop.name.upper() == "X-ABLABEL" and getattr(prop, "group", None)
    }
    for prop in card.getChildren():
        name = prop.name.upper()
        try:
            value = prop.value
        except Exception:  # noqa: S112 (an unreadable property is skipped, the card is kept)
            continue
        if name == "FN":
            values["Full name"].append(_text(value))
        elif name == "N":
            family, given = _text(getattr(value, "family", "")), _text(getattr(value, "given", ""))
        elif name == "ORG":
            parts = value if isinstance(value, list) else [value]
            values["Organization"].append(_text(parts[0]) if parts else "")
            if len(parts) > 1:
                values["Department"].append(_text(parts[1:]))
        elif name == "TITLE":
            values["Title"].append(_text(value))
        elif name == "TEL":
            kinds = [*_types(prop), labels.get(getattr(prop, "group", None) or "", "").lower()]
            column = next((_PHONE_COLUMNS[k] for k in kinds if k in _PHONE_COLUMNS), "Other phone")
            if "手机" in kinds or "mobile" in " ".join(kinds):
                column = "Mobile phone"
            values[column].append(_text(value).removeprefix("tel:"))
        elif name == "EMAIL":
            kinds = _types(prop)
            column = next((_EMAIL_COLUMNS[k] for k in kinds if k in _EMAIL_COLUMNS), "Other email")
            values[column].append(_text(value))
        elif name == "ADR":
            parts = [getattr(value, attr, "") for attr in ("region", "city", "street", "extended", "box")]
            values["Address"].append(" ".join(_text(part) for part in parts if _text(part)))
        elif name == "BDAY":
            values["Birthday"].append(_birthday(_text(value)))
        elif name == "URL":
            values["Website"].append(_text(value))
        elif name == "NOTE":
            values["Notes"].append(_text(value))
        elif name == "CATEGORIES":
            values["Categories"] += [_text(item) for item in (value if isinstance(value, list) else [value])]
    if not any(values["Full name"]) and (family or given):
        from kelu.customers.normalization import chinese_full_name

        values["Full name"] = [chinese_full_name(family, given)]
    if not any(values["Full name"]):
        # A card with no name at all (SOGo writes such cards) is named after what it has, never dropped.
        fallback = next(
            (v for key in ("Organization", "Work email", "Home email", "Other email", "Mobile phone", "Other phone")
             for v in values[key] if v), "",
        )  # fmt: skip
        values["Full name"] = [fallback]
    return [MULTI.join(v for v in values[header] if v) for header in HEADERS]
