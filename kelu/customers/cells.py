"""The HTML of the lists' cells, built in Python.

A page is 50–100 rows of up to a dozen columns; through template includes (a phone, an email, tags per row) that
costs about 100 ms per page, which is most of the list's time budget. format_html escapes every value, as templates do.
"""

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kelu.core.masking import shown_value
from kelu.customers.models import ContactPoint

ICONS = {"phone": "bi-telephone", "email": "bi-envelope"}
SCHEMES = {"phone": "tel", "email": "mailto"}


def point_html(point: ContactPoint, *, full: bool) -> SafeString:
    """A phone or email as customers/_point.html shows it (masked for roles that may not see it in full)."""
    text = shown_value(point.kind, point.value, full=full)
    problem = str(point.problem_message) if not point.is_valid else ""
    nowrap = " text-nowrap" if point.kind == "phone" else ""
    icon = format_html('<i class="bi {}"></i> {}', ICONS.get(point.kind, "bi-dot"), text)
    if full:
        invalid = " point-invalid" if problem else ""
        title = format_html(' title="{}"', problem) if problem else ""
        target = f"{SCHEMES.get(point.kind, 'tel')}:{point.normalized or point.value}"
        body = format_html('<a href="{}" class="{}{}"{}>{}</a>', target, nowrap.strip(), invalid, title, icon)
    else:
        body = format_html('<span class="{}">{}</span>', nowrap.strip(), icon)
    if point.label:
        body = format_html('{} <small class="text-body-secondary">{}</small>', body, point.label)
    if problem:
        body = format_html('{} <span class="badge text-bg-danger" title="{}">{}</span>', body, problem, _("invalid"))
    return body


def tags_html(tags: Any) -> SafeString:
    return format_html_join("", '<span class="tag tag-{}">{}</span>', ((tag.color, tag.name) for tag in tags))


def name_html(record: Any, url: str, *, individual: bool = False) -> SafeString:
    person = (
        format_html(' <i class="bi bi-person text-body-secondary" title="{}"></i>', _("Individual"))
        if individual
        else ""
    )
    return format_html(
        '<a href="{}" class="fw-semibold">{}</a>{}<div>{}</div>',
        url,
        record.name,
        person,
        tags_html(record.tags.all()),
    )


def cell_html(cell: dict[str, Any], *, full: bool) -> SafeString:
    """One cell's content from the values the view picked for it."""
    if "points" in cell:
        return mark_safe("<br>".join(point_html(point, full=full) for point in cell["points"]))
    if "moment" in cell:
        moment = cell["moment"]
        if moment is None:
            return mark_safe("")
        return format_html(
            '<span class="small text-body-secondary">{}</span>',
            date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT"),
        )
    if cell.get("url"):
        return format_html('<a href="{}">{}</a>', cell["url"], cell.get("text", ""))
    if "tags" in cell:
        return tags_html(cell["tags"])
    text = cell.get("text")
    return format_html("{}", "" if text is None else text)
