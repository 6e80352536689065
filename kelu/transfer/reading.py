"""Reading the files people actually have: CSV/TSV/TXT in any common encoding, Excel/ODS workbooks and vCards.

Every reader turns a file into a header row and data rows of strings. Hostile or broken input (NUL bytes, huge lines,
absurd column counts, bytes invalid in the encoding, zip bombs, XML entity tricks) ends in a ``FileProblem`` with a
message for the user, never in a crash or a runaway process.
"""

import codecs
import csv
import datetime
import io
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes
from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext as _

from kelu.transfer import vcards

MAX_COLUMNS = 500
MAX_CELL = 32_767  # Excel's own limit for one cell
SNIFF_BYTES = 256 * 1024
HEADER_SCAN_ROWS = 20
# Zip-bomb limits for .xlsx/.ods, checked from the central directory before anything is decompressed.
MAX_UNCOMPRESSED = 3 * 1024**3
MAX_RATIO = 200
MAX_ZIP_MEMBERS = 10_000
SMALL_XML = 2 * 1024**2

TEXT_EXTENSIONS = {".csv", ".tsv", ".txt", ".tab"}
WORKBOOK_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".ods"}
VCARD_EXTENSIONS = {".vcf", ".vcard"}
EXTENSIONS = TEXT_EXTENSIONS | WORKBOOK_EXTENSIONS | VCARD_EXTENSIONS

ENCODINGS = {  # offered to users who override the detection
    "utf-8": "UTF-8",
    "gb18030": "GBK / GB18030",
    "big5": "Big5",
    "utf-16": "UTF-16",
    "latin-1": "Latin-1",
}
# Names charset-normalizer uses, folded into the encodings above (GB18030 is a superset of GBK and GB2312).
_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "hz": "gb18030", "cp936": "gb18030", "big5hkscs": "big5",
            "cp950": "big5", "ascii": "utf-8", "utf_8": "utf-8", "utf_16": "utf-16", "utf_16_le": "utf-16-le",
            "utf_16_be": "utf-16-be", "gb18030": "gb18030", "big5": "big5"}  # fmt: skip


class FileProblem(Exception):
    """A file that cannot be read as a table; the message says why, in the user's language."""


@dataclass
class Layout:
    """How a file is read: detected on upload, adjustable by the user (encoding, delimiter, sheet, header row)."""

    kind: str  # "csv" | "workbook" | "vcard"
    encoding: str = ""
    delimiter: str = ","
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    header_row: int = 0  # 0-based index of the header among the file's rows

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "encoding": self.encoding, "delimiter": self.delimiter, "sheet": self.sheet,
                "sheets": self.sheets, "header_row": self.header_row}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Layout":
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


def kind_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_EXTENSIONS:
        return "csv"
    if suffix in WORKBOOK_EXTENSIONS:
        return "workbook"
    if suffix in VCARD_EXTENSIONS:
        return "vcard"
    raise FileProblem(
        _("Kelu reads .csv, .tsv, .txt, .xlsx, .xls, .ods and .vcf files; “%(name)s” is none of them.") % {"name": name}
    )


def detect_layout(path: Path, original_name: str) -> Layout:
    """Guess everything about a freshly uploaded file (refusing the ones that cannot be read safely)."""
    kind = kind_of(original_name)
    if kind == "workbook":
        check_workbook(path)
        sheets = _open_workbook(path).sheet_names
        if not sheets:
            raise FileProblem(_("The workbook has no sheets."))
        layout = Layout(kind=kind, sheet=sheets[0], sheets=list(sheets))
    elif kind == "vcard":
        layout = Layout(kind=kind, encoding=detect_encoding(path))
    else:
        encoding = detect_encoding(path)
        layout = Layout(kind=kind, encoding=encoding, delimiter=sniff_delimiter(path, encoding))
    if kind != "vcard":
        layout.header_row = find_header_row(_raw_rows(path, layout, limit=HEADER_SCAN_ROWS))
    return layout


def choose_sheet(path: Path, layout: Layout, sheet: str) -> Layout:
    """The same workbook read from another sheet (its header row detected again)."""
    if sheet not in layout.sheets:
        raise FileProblem(_("The workbook has no sheet “%(sheet)s”.") % {"sheet": sheet})
    layout = Layout.from_dict({**layout.as_dict(), "sheet": sheet})
    layout.header_row = find_header_row(_raw_rows(path, layout, limit=HEADER_SCAN_ROWS))
    return layout


# --- text files ------------------------------------------------------------------------------------------------------


def _sample(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(SNIFF_BYTES)


def detect_encoding(path: Path) -> str:
    sample = _sample(path)
    if not sample.strip():
        raise FileProblem(_("The file is empty."))
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample and not _looks_utf16(sample):
        raise FileProblem(_("The file contains NUL bytes: it is not a text file (or it is damaged)."))
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(sample) - 4:  # the sample cut a character in two
            return "utf-8"
    best = from_bytes(sample).best()
    if best is None:
        raise FileProblem(_("The file's encoding could not be recognised; choose it yourself."))
    return _ALIASES.get(best.encoding.lower().replace("-", "_"), best.encoding)


def _looks_utf16(sample: bytes) -> bool:
    """UTF-16 without a BOM: every other byte of ASCII text is NUL."""
    even, odd = sample[0::2], sample[1::2]
    return bool(sample) and (even.count(0) > len(even) * 0.3 or odd.count(0) > len(odd) * 0.3) and len(sample) % 2 == 0


def sniff_delimiter(path: Path, encoding: str) -> str:
    text = _decode_sample(path, encoding)
    lines = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(lines, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines.count(d) for d in (",", "\t", ";", "|")}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _decode_sample(path: Path, encoding: str) -> str:
    sample = _sample(path)
    return sample.decode(encoding, errors="ignore")


class _CheckedLines:
    """Text lines for the csv module, refusing NUL characters, absurdly long lines and undecodable bytes with a clear
    message naming the line.

    ASCII-compatible encodings (UTF-8, GB18030, Big5, Latin-1: a byte 0x0A is always a line break) are split into
    lines as bytes and decoded line by line, so an error names the right line; UTF-16 is decoded as a stream.
    """

    LIMIT = MAX_CELL * MAX_COLUMNS // 8

    def __init__(self, raw: Any, encoding: str) -> None:
        self.line = 0
        self.wide = codecs.lookup(encoding).name.startswith("utf-16")
        if self.wide:
            self.stream: Any = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        else:
            self.stream = raw
            self.decode = codecs.getincrementaldecoder(encoding)(errors="strict").decode

    def __iter__(self) -> "_CheckedLines":
        return self

    def __next__(self) -> str:
        try:
            data = self.stream.readline(self.LIMIT + 1)
            text = data if self.wide else self.decode(data, final=not data)
        except UnicodeDecodeError:
            raise FileProblem(
                _("Line %(line)d holds bytes that are not valid in the chosen encoding; choose another encoding.")
                % {"line": self.line + 1}
            ) from None
        if not data:
            raise StopIteration
        self.line += 1
        if "\x00" in text:
            raise FileProblem(_("Line %(line)d contains NUL bytes: the file is damaged.") % {"line": self.line})
        if len(data) > self.LIMIT and not text.endswith("\n"):
            raise FileProblem(_("Line %(line)d is too long to be a row of a table.") % {"line": self.line})
        return text


def _csv_rows(path: Path, layout: Layout) -> Iterator[list[str]]:
    with path.open("rb") as raw:
        reader = csv.reader(_CheckedLines(raw, layout.encoding or "utf-8"), delimiter=layout.delimiter or ",")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise FileProblem(
                    _("Line %(line)d cannot be read (%(error)s).") % {"line": reader.line_num, "error": error}
                ) from None
            _check_width(row, reader.line_num)
            yield row


def _check_width(row: list[Any], line: int) -> None:
    if len(row) > MAX_COLUMNS:
        raise FileProblem(
            _("Row %(line)d has %(count)d columns; Kelu reads at most %(max)d.")
            % {"line": line, "count": len(row), "max": MAX_COLUMNS}
        )


csv.field_size_limit(MAX_CELL * 4)


# --- workbooks -------------------------------------------------------------------------------------------------------


def check_workbook(path: Path) -> None:
    """Refuse zip bombs and XML with entity tricks before the workbook reader decompresses anything."""
    if path.suffix.lower() == ".xls":
        return  # the old binary format: no zip, no XML
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(
            _("The file is not a valid workbook (it may be damaged or not really an Excel file).")
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise FileProblem(_("The workbook has too many parts to be a spreadsheet."))
        total = sum(member.file_size for member in members)
        if total > MAX_UNCOMPRESSED:
            raise FileProblem(_("The workbook would take too much space once unpacked."))
        for member in members:
            if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise FileProblem(_("The workbook is compressed suspiciously well (a “zip bomb”); it was refused."))
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                _check_xml(archive, member)


def _check_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    with archive.open(member) as handle:
        if member.file_size <= SMALL_XML:
            try:
                SafeElementTree.fromstring(handle.read(), forbid_dtd=True)
            except (DefusedXmlException, SafeElementTree.ParseError):
                raise FileProblem(_("The workbook contains unsafe or broken XML; it was refused.")) from None
        else:  # a large sheet: a DTD could only come before the first element
            head = handle.read(4096)
            if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                raise FileProblem(_("The workbook contains unsafe or broken XML; it was refused."))


def _open_workbook(path: Path) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception:  # calamine raises its own error classes for every kind of broken file
        raise FileProblem(
            _("The file is not a valid workbook (it may be damaged or protected by a password).")
        ) from None


_kept = threading.local()


@contextmanager
def sheets_kept() -> Iterator[None]:
    """Within the block a sheet is loaded once, however often it is read: the workbook reader loads a whole sheet even
    for its first rows, and an upload reads them several times (header row, headers, sample)."""
    _kept.sheets = {}
    try:
        yield
    finally:
        del _kept.sheets


def _load_sheet(path: Path, name: str) -> Any:
    book = _open_workbook(path)
    try:
        return book.get_sheet_by_name(name) if name else book.get_sheet_by_index(0)
    except Exception:
        raise FileProblem(_("The workbook has no sheet “%(sheet)s”.") % {"sheet": name}) from None


def _workbook_rows(path: Path, layout: Layout) -> Iterator[list[str]]:
    kept = getattr(_kept, "sheets", None)
    if kept is None:
        sheet = _load_sheet(path, layout.sheet)
    else:
        if (path, layout.sheet) not in kept:
            kept[path, layout.sheet] = _load_sheet(path, layout.sheet)
        sheet = kept[path, layout.sheet]
    if sheet.width > MAX_COLUMNS:
        raise FileProblem(
            _("The sheet has %(count)d columns; Kelu reads at most %(max)d.")
            % {"count": sheet.width, "max": MAX_COLUMNS}
        )
    for row in sheet.iter_rows():
        yield [cell_text(value) for value in row]


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: 13912345678.0 → "13912345678", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(timespec="minutes")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value)[:MAX_CELL]


# --- all kinds -------------------------------------------------------------------------------------------------------


def _raw_rows(path: Path, layout: Layout, limit: int | None = None) -> list[list[str]] | Iterator[list[str]]:
    if layout.kind == "vcard":
        rows: Iterator[list[str]] = iter([vcards.HEADERS, *vcards.read_rows(path, layout.encoding)])
    elif layout.kind == "workbook":
        rows = _workbook_rows(path, layout)
    else:
        rows = _csv_rows(path, layout)
    if limit is None:
        return rows
    found = []
    for row in rows:
        found.append(row)
        if len(found) >= limit:
            break
    return found


_WORDISH = re.compile(r"^[^\d\s+\-.,:/]")


def find_header_row(rows: list[list[str]] | Iterator[list[str]]) -> int:
    """The first row that looks like a header: several non-empty text cells, as wide as the table below it.

    Title rows ("2024年客户清单"), notes and blank rows above the header are skipped.
    """
    sample = list(rows)
    widths = [sum(1 for cell in row if str(cell).strip()) for row in sample]
    widest = max(widths, default=0)
    for index, row in enumerate(sample):
        cells = [str(cell).strip() for cell in row if str(cell).strip()]
        if len(cells) < min(2, widest) or len(cells) < widest * 0.5:
            continue
        wordish = sum(1 for cell in cells if _WORDISH.match(cell))
        if wordish >= len(cells) * 0.8:
            return index
    return 0


def read_headers(path: Path, layout: Layout) -> list[str]:
    for index, row in enumerate(_raw_rows(path, layout)):
        if index == layout.header_row:
            headers = [str(cell).strip().lstrip("\ufeff") for cell in row]
            while headers and not headers[-1]:
                headers.pop()
            if not headers:
                raise FileProblem(_("The header row is empty."))
            return [header or _("Column %(number)d") % {"number": number + 1} for number, header in enumerate(headers)]
    raise FileProblem(_("The file has no rows."))


def data_rows(path: Path, layout: Layout, width: int) -> Iterator[tuple[int, list[str]]]:
    """(row number in the file, counting from 1; cells) of the rows below the header, each exactly ``width`` cells
    (padded or cut); entirely empty rows are left out."""
    for index, row in enumerate(_raw_rows(path, layout)):
        if index <= layout.header_row:
            continue
        cells = [str(cell) if len(str(cell)) <= MAX_CELL else str(cell)[:MAX_CELL] for cell in row[:width]]
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        yield index + 1, cells
