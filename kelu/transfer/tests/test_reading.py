"""Reading files: encodings, delimiters, header rows, sheets, and hostile input answered with a clear error."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from kelu.transfer import services
from kelu.transfer.models import ImportJob
from kelu.transfer.tests import files

pytestmark = pytest.mark.django_db
TEXT = "客户名称,联系人,手机\n台北音乐有限公司,周杰,0912345678\n"
BIG5_TEXT = "客戶名稱,聯絡人,手機\n台北音樂有限公司,周杰倫,0912345678\n"


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (BIG5_TEXT.encode("big5"), "big5"),
        (TEXT.encode("utf-16"), "utf-16"),
    ],
)
def test_common_encodings_are_detected(owner, encoded, encoding):
    job = files.upload(owner, "a.csv", encoded)
    assert job.layout["encoding"] == encoding
    text = BIG5_TEXT if encoding == "big5" else TEXT
    assert job.headers == text.splitlines()[0].split(",")
    assert job.layout["sample"] == [text.splitlines()[1].split(",")]


def test_the_encoding_can_be_overridden(owner):
    job = files.upload(owner, "a.csv", "name,city\nMüller,Köln\n".encode("latin-1"))
    job = services.import_set_layout(actor=owner, job=job, encoding="latin-1")
    assert job.layout["sample"] == [["Müller", "Köln"]]


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "a.tsv"), (";", "a.csv"), ("|", "a.txt")])
def test_delimiters_are_sniffed(owner, delimiter, name):
    text = f'客户名称{delimiter}备注\n"甲公司"{delimiter}"a, b"\n乙公司{delimiter}c\n'
    job = files.upload(owner, name, text.encode())
    assert job.layout["delimiter"] == delimiter
    assert job.layout["sample"] == [["甲公司", "a, b"], ["乙公司", "c"]]


def test_the_header_row_can_be_chosen(owner):
    job = files.upload(owner, "a.csv", b"x,y\nname,phone\nA,1\n")
    job = services.import_set_layout(actor=owner, job=job, header_row=1)
    assert job.headers == ["name", "phone"]
    assert job.status == ImportJob.Status.UPLOADED


def refused(owner, name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as error:
        files.upload(owner, name, content)
    return " ".join(error.value.messages)


def test_unknown_extensions_and_empty_files_are_refused(owner):
    assert "不属于" in refused(owner, "a.exe", b"MZ")
    assert "空" in refused(owner, "a.csv", b"")


def test_nul_bytes(owner):
    assert "NUL" in refused(owner, "a.csv", b"name,phone\n\x00\x01\x02\x00\x00\x00binary\x00")


def test_a_ten_megabyte_line(owner):
    assert "太长" in refused(owner, "a.csv", b"name\n" + b"x" * (10 * 1024 * 1024) + b"\n")


def test_a_hundred_thousand_columns(owner):
    message = refused(owner, "a.csv", (",".join(f"c{i}" for i in range(100_000)) + "\n").encode())
    assert "100000" in message and "500" in message


def test_bytes_invalid_in_the_encoding(owner):
    content = ("客户名称\n" + "甲公司\n" * 30_000).encode() + b"\xff\xfe\xfa broken\n"
    job = files.upload(owner, "a.csv", content)  # the start reads well; the bad bytes come far later
    job = services.import_validate(actor=owner, job=job, wait=True)
    assert job.status == ImportJob.Status.FAILED
    assert "30002" in job.error and "编码" in job.error


def test_size_limit(owner):
    with override_settings(KELU_IMPORT_MAX_BYTES=100):
        assert "上限" in refused(owner, "a.csv", b"name\n" + b"x" * 200)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_bombs_are_refused_before_decompression(owner):
    bomb = zipped({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\0" * (50 * 1024 * 1024)})
    assert "压缩炸弹" in refused(owner, "a.xlsx", bomb)


def test_xml_entities_are_refused(owner):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<Types>&lol2;</Types>"
    )
    assert "XML" in refused(owner, "a.xlsx", zipped({"[Content_Types].xml": laughs}))


def test_a_damaged_workbook(owner):
    assert "工作簿" in refused(owner, "a.xlsx", b"PK\x03\x04 this is not really a zip")
    assert "工作簿" in refused(owner, "a.xls", b"\xd0\xcf\x11\xe0 not really an OLE file")


def test_stored_under_a_generated_name(owner):
    job = files.upload(owner, "../../etc/passwd.csv", TEXT.encode())
    assert job.original_name == "passwd.csv"
    assert job.file_name.endswith(".csv") and "passwd" not in job.file_name
    assert services.path_of(job).parent == services.import_dir()


def test_ods_workbooks_are_read(owner):
    content_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="客户">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>客户名称</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>手机</text:p></table:table-cell></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>甲公司</text:p></table:table-cell>'
        '<table:table-cell office:value-type="float" office:value="13912345678"><text:p>13912345678</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content_xml)
        archive.writestr("META-INF/manifest.xml", manifest)
    job = files.upload(owner, "a.ods", buffer.getvalue())
    assert job.headers == ["客户名称", "手机"]
    assert job.layout["sample"] == [["甲公司", "13912345678"]]
