"""The HTML of the lists' cells, built in Python.

A page is 50–100 rows of up to a dozen columns; through template includes (a phone, an email, tags per row) that
cost about 100 ms per page, most of the list's time budget. Every value is escaped here exactly as templates escape
(html.escape, quotes included); plain f-strings over escaped values because format_html's lazy-string machinery costs
more than the rest of a cell.
"""

import datetime
from functools import lru_cache
from html import escape
from typing import Any, NamedTuple

from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kelu.core.masking import shown_value
from kelu.customers.normalization import problem_message

ICONS = {"phone": "bi-telephone", "email": "bi-envelope"}
SCHEMES = {"phone": "tel", "email": "mailto"}


class Point(NamedTuple):
    """The few fields of a phone or email that a list shows."""

    owner_id: int  # the customer (or contact) it is shown for
    kind: str
    label: str
    value: str
    normalized: str
    is_valid: bool
    problem: str


def point_html(point: Point, *, full: bool) -> str:
    """A phone or email as customers/_point.html shows it (masked for roles that may not see it in full)."""
    text = escape(shown_value(point.kind, point.value, full=full))
    problem = "" if point.is_valid else escape(str(problem_message(point.kind, point.problem)))
    nowrap = "text-nowrap" if point.kind == "phone" else ""
    icon = f'<i class="bi {ICONS.get(point.kind, "bi-dot")}"></i> {text}'
    if full:
        target = escape(f"{SCHEMES.get(point.kind, 'tel')}:{point.normalized or point.value}")
        invalid = "" if point.is_valid else " point-invalid"
        title = "" if point.is_valid else f' title="{problem}"'
        body = f'<a href="{target}" class="{nowrap}{invalid}"{title}>{icon}</a>'
    else:
        body = f'<span class="{nowrap}">{icon}</span>'
    if point.label:
        body += f' <small class="text-body-secondary">{escape(point.label)}</small>'
    if not point.is_valid:
        body += f' <span class="badge text-bg-danger" title="{problem}">{escape(_("invalid"))}</span>'
    return body


def tags_html(tags: list[tuple[str, str]]) -> str:
    """(name, colour) pairs as the tag badges of customers/_tags.html."""
    return "".join(f'<span class="tag tag-{escape(color)}">{escape(name)}</span>' for name, color in tags)


def name_html(record: Any, url: str, tags: list[tuple[str, str]], *, individual: bool = False) -> SafeString:
    person = (
        f' <i class="bi bi-person text-body-secondary" title="{escape(_("Individual"))}"></i>' if individual else ""
    )
    link = f'<a href="{escape(url)}" class="fw-semibold">{escape(record.name)}</a>'
    return SafeString(f"{link}{person}<div>{tags_html(tags)}</div>")  # every part escaped above


def cell_html(cell: dict[str, Any], *, full: bool) -> SafeString:
    """One cell's content from the values the view picked for it."""
    if "points" in cell:
        html = "<br>".join(point_html(point, full=full) for point in cell["points"])
    elif "day" in cell:
        shown = _short_date(cell["day"], get_language()) if cell["day"] else ""
        html = f'<span class="small text-body-secondary">{escape(shown)}</span>' if shown else ""
    elif cell.get("url"):
        html = f'<a href="{escape(cell["url"])}">{escape(str(cell.get("text", "")))}</a>'
    elif "tags" in cell:
        html = tags_html(cell["tags"])
    else:
        text = cell.get("text")
        html = escape("" if text is None else str(text))
    return SafeString(html)  # every part escaped above


@lru_cache(maxsize=4096)
def _short_date(day: datetime.date, language: str | None) -> str:
    # A page shows a few dozen dates, mostly the same few days; formatting one costs more than the rest of its cell.
    return date_format(day, "SHORT_DATE_FORMAT")


def row_html(record: Any, row_cells: list[dict[str, Any]], *, selectable: bool) -> SafeString:
    """A table row's cells (and its selection box): the template adds only the <tr>."""
    parts = []
    if selectable:
        label = escape(_("Select %(name)s") % {"name": record.name})
        box = f'<input class="form-check-input" type="checkbox" name="ids" value="{record.pk}" aria-label="{label}">'
        parts.append(f"<td>{box}</td>")
    for cell in row_cells:
        parts.append(f'<td class="small">{cell["html"]}</td>' if cell["key"] == "phone" else f"<td>{cell['html']}</td>")
    return SafeString("".join(parts))  # every part escaped above
