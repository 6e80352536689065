"""Writing customers out as CSV, XLSX or vCard, streamed row by row so memory stays flat however many there are.

Spreadsheet cells that start with ``=``, ``+``, ``-``, ``@``, tab or CR are neutralised with a leading apostrophe so
that Excel does not run them as formulas (CSV injection). vCards are written with vobject, which escapes and folds
lines per RFC 6350.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import vobject
import xlsxwriter
from django.utils import timezone

from kelu.core.masking import shown_value
from kelu.customers.models import Contact, Customer
from kelu.exports.columns import Column, Context, ExportRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gb18030"}  # GB18030 is GBK's superset: no character is lost
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "令狐",
    "夏侯",
    "宇文",
    "司徒",
)


def cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows(customers: Iterable[ExportRow], columns: list[Column], context: Context) -> Iterator[list[Any]]:
    for customer in customers:
        yield [cell(column.value(customer, context)) for column in columns]


def csv_chunks(
    customers: Iterable[ExportRow], columns: list[Column], context: Context, *, encoding: str = "utf-8"
) -> Iterator[bytes]:
    codec = ENCODINGS.get(encoding, "utf-8-sig")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(column.label) for column in columns])
    first = True
    for index, row in enumerate(rows(customers, columns, context)):
        writer.writerow(row)
        if index % 500 == 499:
            yield _encode(buffer, codec, first)
            first = False
    yield _encode(buffer, codec, first)


def _encode(buffer: io.StringIO, codec: str, first: bool) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    if codec == "utf-8-sig" and not first:
        return text.encode("utf-8")  # the byte-order mark only at the very start
    return text.encode(codec)


def write_xlsx(customers: Iterable[ExportRow], columns: list[Column], context: Context, path: str) -> int:
    """Write an .xlsx file; constant memory: each row is flushed to disk as it is written."""
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet("Customers")
    bold = workbook.add_format({"bold": True})
    for index, column in enumerate(columns):
        sheet.write_string(0, index, str(column.label), bold)
    count = 0
    for count, row in enumerate(rows(customers, columns, context), start=1):
        for index, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(count, index, value)
            else:
                sheet.write_string(count, index, str(value))
    workbook.close()
    return count


def _split_name(name: str) -> tuple[str, str]:
    """(family, given) for the N property: Chinese names family first (欧阳娜娜 → 欧阳, 娜娜), others last word."""
    from kelu.core.text import has_han

    if has_han(name) and " " not in name:
        family = next((s for s in COMPOUND_SURNAMES if name.startswith(s) and len(name) > len(s)), name[:1])
        return family, name[len(family) :]
    parts = name.rsplit(" ", 1)
    return (parts[1], parts[0]) if len(parts) == 2 else (name, "")


def vcards(customers: Iterable[Customer], context: Context, *, version: str = "3.0") -> Iterator[str]:
    """One card per contact of each customer (an individual without contacts is a card of its own)."""
    for customer in customers:
        people: list[Any] = list(customer.contacts.all()) or (
            [customer] if customer.kind == Customer.Kind.INDIVIDUAL else []
        )
        for person in people:
            yield _card(person, customer, context, version)


def _card(person: Contact | Customer, customer: Customer, context: Context, version: str) -> str:
    card = vobject.vCard()
    card.add("version").value = version
    family, given = _split_name(person.name)
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    card.add("fn").value = person.name
    if customer.kind == Customer.Kind.COMPANY:
        card.add("org").value = [customer.name]
    if isinstance(person, Contact) and person.title:
        card.add("title").value = person.title
    points = list(person.points.all())
    if isinstance(person, Contact) and customer.kind == Customer.Kind.COMPANY:
        points += [point for point in customer.points.all() if point.kind == "phone"]  # the company's main line
    for point in points:
        value = shown_value(point.kind, point.normalized or point.value, full=context.full_contacts)
        if point.kind == "phone":
            tel = card.add("tel")
            tel.value = value
            tel.type_param = "cell" if point.normalized.startswith("+861") else "work"
        elif point.kind == "email":
            email = card.add("email")
            email.value = value
            if version == "3.0":
                email.type_param = "INTERNET"
    tags = [tag.name for tag in person.tags.all()]
    if tags:
        card.add("categories").value = tags
    if person.notes:
        card.add("note").value = person.notes
    card.add("uid").value = f"kelu-{'contact' if isinstance(person, Contact) else 'customer'}-{person.pk}"
    text: str = card.serialize()
    return text
