"""Real-world-shaped files, built the way the programs that write them do, and helpers to run an import."""

import datetime
import io
from typing import Any

import xlsxwriter

from kelu.accounts.models import User
from kelu.transfer import services
from kelu.transfer.models import ImportJob

GOOGLE_HEADERS = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Nickname", "File As", "Organization Name",
    "Organization Title", "Organization Department", "Birthday", "Notes", "Photo", "Labels", "E-mail 1 - Label",
    "E-mail 1 - Value", "E-mail 2 - Label", "E-mail 2 - Value", "Phone 1 - Label", "Phone 1 - Value",
    "Phone 2 - Label", "Phone 2 - Value", "Address 1 - Label", "Address 1 - Formatted", "Website 1 - Label",
    "Website 1 - Value",
]  # fmt: skip


def google_csv() -> bytes:
    """Google Contacts' export (2024 layout): UTF-8 with CRLF, " ::: " between several values of one field."""
    rows = [
        GOOGLE_HEADERS,
        ["伟", "", "张", "", "", "", "北京鑫淼科技有限公司", "销售总监", "销售部", "1985-03-15", "展会认识", "",
         "* myContacts ::: 重点客户", "* Work", "zhangwei@xinmiao.cn", "", "", "Mobile ::: Work",
         "+86 139 1234 5678 ::: 010-8888 1234", "", "", "Work", "北京市朝阳区建国路 88 号", "", ""],
        ["Emily", "", "Chen", "", "", "", "Acme Trading Ltd.", "Buyer", "", "", "", "", "* myContacts", "Home",
         "Emily.Chen@Example.com", "Work", "emily@acme.example", "Mobile", "138 0013 8000", "", "", "", "", "Work",
         "acme.example"],
        ["娜", "", "李", "", "", "", "", "", "", "--06-01", "", "", "* starred", "", "", "", "", "Mobile",
         "12345", "", "", "", "", "", ""],
    ]  # fmt: skip
    buffer = io.StringIO()
    import csv

    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


OUTLOOK_HEADERS = [
    "First Name", "Middle Name", "Last Name", "Title", "Suffix", "Nickname", "E-mail Address", "E-mail 2 Address",
    "Home Phone", "Business Phone", "Mobile Phone", "Business Fax", "Job Title", "Department", "Company",
    "Business Street", "Business City", "Business State", "Birthday", "Categories", "Notes", "Web Page",
]  # fmt: skip


def outlook_csv() -> bytes:
    """Outlook's export: "Title" is the salutation, "Job Title" the job; in a Chinese Windows it is GBK."""
    rows = [
        OUTLOOK_HEADERS,
        ["强", "", "王", "先生", "", "", "wangqiang@huanan.cn", "", "", "020-8765 4321", "13800138001", "", "总经理",
         "", "广州华南物流有限公司", "天河路 1 号", "广州市", "广东省", "1979/8/1", "VIP;物流", "", "www.huanan.cn"],
        ["Li", "", "Wei", "Mr.", "", "", "li.wei@example.org", "", "", "", "13800138002", "", "Engineer", "R&D",
         "", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    buffer = io.StringIO()
    import csv

    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("gbk")


def gbk_excel_csv() -> bytes:
    """What Excel on a Chinese Windows writes for "CSV (逗号分隔)": GBK, CRLF, a title row above the header."""
    text = (
        "2024年重点客户名单,,,,,\r\n"
        "客户名称,联系人,手机,邮箱,客户等级,来源\r\n"
        "深圳市腾飞电子有限公司,赵六,13912345678,zhao@tengfei.cn,A类,展会\r\n"
        "成都蜀香餐饮管理有限公司,钱七,1391234567,qianqi@,B,老客户介绍\r\n"
        ",孙八,13700137000,,,\r\n"
    )
    return text.encode("gbk")


def xlsx_with_title_row(rows: list[list[Any]] | None = None, *, sheets: int = 1) -> bytes:
    """An .xlsx as people keep them: a merged title row, a blank row, the header, phones typed as numbers, dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    if sheets > 1:
        notes = book.add_worksheet("说明")
        notes.write(0, 0, "本表仅供内部使用")
    sheet = book.add_worksheet("客户")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, 4, "华东区客户台账（2024）")
    sheet.write_row(2, 0, ["公司名称", "联系人", "手机号码", "生日", "备注"])
    data = rows or [
        ["上海云栖贸易有限公司", "刘洋", 13912345678.0, datetime.date(1990, 5, 20), "老客户"],
        ["杭州西湖文化传媒有限公司", "陈静", 13812345678, datetime.date(1988, 12, 1), '=HYPERLINK("x")'],
    ]
    for offset, row in enumerate(data):
        for column, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write_datetime(3 + offset, column, datetime.datetime.combine(value, datetime.time()), date_format)
            elif isinstance(value, int | float):
                sheet.write_number(3 + offset, column, value)
            else:
                sheet.write_string(3 + offset, column, value)
    book.close()
    return buffer.getvalue()


IOS_VCARD_30 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "PRODID:-//Apple Inc.//iPhone OS 17.2//EN\r\n"
    "N:周;杰;;;\r\n"
    "FN:周杰\r\n"
    "ORG:台北音乐有限公司;制作部;\r\n"
    "TITLE:制作人\r\n"
    "EMAIL;type=INTERNET;type=WORK;type=pref:zhoujie@music.example\r\n"
    "EMAIL;type=INTERNET;type=HOME:jay@home.example\r\n"
    "TEL;type=CELL;type=VOICE;type=pref:139 1234 0001\r\n"
    "TEL;type=WORK;type=VOICE:021-6288 0000\r\n"
    "item1.TEL:139 1234 0002\r\n"
    "item1.X-ABLabel:助理\r\n"
    "item2.ADR;type=WORK;type=pref:;;南京西路 1 号;上海;上海;200040;中国\r\n"
    "item2.X-ABADR:cn\r\n"
    "NOTE:在展会上认识，对新专辑的宣传感兴趣。这一行很长，iPhone 会把它折成好几行来写出，读的时候要把它们接回一\r\n"
    " 行。\r\n"
    "BDAY:1979-01-18\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwg\r\n"
    " JC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf\r\n"
    "END:VCARD\r\n"
)

ANDROID_VCARD_21 = (
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E9=BB=84;=E5=B0=8F=E6=98=8E;;;\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E9=BB=84=E5=B0=8F=E6=98=8E\r\n"
    "TEL;CELL;PREF:+86 138 0013 9000\r\n"
    "TEL;HOME:0755-2688 8888\r\n"
    "EMAIL;HOME:huangxm@example.com\r\n"
    "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=B7=B1=E5=9C=B3=E5=B8=82=E5=B0=8F=E6=98=8E=E7=A7=91=E6=8A=80=E6=\r\n"
    "=9C=89=E9=99=90=E5=85=AC=E5=8F=B8\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N:;Tom;;;\r\n"
    "FN:Tom\r\n"
    "TEL;WORK:+1 650 253 0000\r\n"
    "END:VCARD\r\n"
)

VCARD_40 = (
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:吴敏\r\n"
    "N:吴;敏;;;\r\n"
    'TEL;VALUE=uri;TYPE="cell,voice":tel:+86-139-1234-0003\r\n'
    "EMAIL;TYPE=work:wumin@example.cn\r\n"
    "BDAY:--0412\r\n"
    "CATEGORIES:朋友,同学\r\n"
    "END:VCARD\r\n"
)


def upload(user: User, name: str, content: bytes) -> ImportJob:
    return services.import_upload(actor=user, name=name, chunks=[content])


def run(
    user: User, job: ImportJob, *, on_duplicate: str = "skip", problems: dict[str, str] | None = None,
    mapping: Any = None, owner: int | None = None,
) -> ImportJob:  # fmt: skip
    """Check, then import, as the pages do (the immediate task backend runs the work at once)."""
    services.import_set_mapping(
        actor=user, job=job, mapping=mapping, on_duplicate=on_duplicate, problem_choices=problems, default_owner=owner
    )
    job = services.import_validate(actor=user, job=job, wait=True)
    assert job.status == ImportJob.Status.VALIDATED, job.error
    return services.import_start(actor=user, job=job, wait=True)


def targets(job: ImportJob) -> dict[str, str]:
    """{header: target} of the job's mapping."""
    return {header: entry["target"] for header, entry in zip(job.headers, job.mapping, strict=True)}
