"""The files people actually have, imported end to end: what is stored, what is flagged."""

import datetime
from pathlib import Path

import pytest

from kelu.customers.models import Contact, ContactPoint, Customer
from kelu.transfer.tests import files

pytestmark = pytest.mark.django_db
FIXTURES = Path("/work/shared/fixtures/vcard-public")


def points_of(customer: Customer) -> set[tuple[str, str, str, bool]]:
    rows = ContactPoint.objects.filter(contact__customer=customer) | ContactPoint.objects.filter(customer=customer)
    return {(p.kind, p.label, p.normalized, p.is_valid) for p in rows}


def test_google_contacts_csv_is_recognised_and_mapped(owner):
    job = files.upload(owner, "contacts.csv", files.google_csv())
    mapped = files.targets(job)
    assert mapped["First Name"] == "contact.given_name"
    assert mapped["Last Name"] == "contact.family_name"
    assert mapped["Organization Name"] == "customer.name"
    assert mapped["Organization Title"] == "contact.title"
    assert mapped["Phone 1 - Value"] == "phone" and mapped["E-mail 2 - Value"] == "email"
    assert mapped["Labels"] == "customer.tags"
    assert mapped["Photo"] == "ignore" and mapped["Phone 1 - Label"] == "ignore"

    job = files.run(owner, job)

    assert (job.created, job.failed) == (3, 0)
    company = Customer.objects.get(name="北京鑫淼科技有限公司")
    zhang = company.contacts.get()
    assert (zhang.name, zhang.title, zhang.department, zhang.birthday) == ("张伟", "销售总监", "销售部",
                                                                           datetime.date(1985, 3, 15))  # fmt: skip
    # " ::: " holds two numbers in one cell, each with its own label from the label column.
    assert points_of(company) == {
        ("phone", "手机", "+8613912345678", True),
        ("phone", "办公", "+861088881234", True),
        ("email", "工作", "zhangwei@xinmiao.cn", True),
    }
    assert list(company.tags.values_list("name", flat=True)) == ["重点客户"]  # not Google's system groups
    assert company.notes == "展会认识"
    acme = Customer.objects.get(name="Acme Trading Ltd.")
    assert acme.contacts.get().name == "Emily Chen"  # Western names keep their order
    assert acme.website == "https://acme.example"
    assert ("email", "个人", "emily.chen@example.com", True) in points_of(acme)
    li = Customer.objects.get(name="李娜")  # no company: an individual customer
    assert li.kind == Customer.Kind.INDIVIDUAL
    assert li.contacts.get().birthday == datetime.date(1604, 6, 1)  # year unknown
    assert points_of(li) == {("phone", "手机", "12345", False)}  # kept as written, flagged invalid


def test_outlook_csv_in_gbk_is_recognised(owner):
    job = files.upload(owner, "outlook.CSV", files.outlook_csv())
    assert job.layout["encoding"] == "gb18030"
    mapped = files.targets(job)
    assert mapped["Title"] == "ignore"  # the salutation
    assert mapped["Job Title"] == "contact.title"
    assert mapped["Company"] == "customer.name"
    assert mapped["Mobile Phone"] == "phone" and mapped["Business Phone"] == "phone"

    files.run(owner, job)

    wang = Customer.objects.get(name="广州华南物流有限公司")
    contact = wang.contacts.get()
    assert (contact.name, contact.title, contact.birthday) == ("王强", "总经理", datetime.date(1979, 8, 1))
    assert (wang.province, wang.city) == ("广东省", "广州市")
    assert sorted(wang.tags.values_list("name", flat=True)) == ["VIP", "物流"]
    assert ("phone", "手机", "+8613800138001", True) in points_of(wang)
    assert ("phone", "办公", "+862087654321", True) in points_of(wang)
    assert Customer.objects.get(name="Li Wei").contacts.get().department == "R&D"


def test_gbk_excel_csv_with_a_title_row(owner):
    job = files.upload(owner, "客户.csv", files.gbk_excel_csv())
    assert job.layout["encoding"] == "gb18030"
    assert job.layout["header_row"] == 1  # the title row above it is skipped
    assert job.headers == ["客户名称", "联系人", "手机", "邮箱", "客户等级", "来源"]
    assert files.targets(job)["客户等级"] == "customer.level"

    job = files.run(owner, job)

    report = job.report
    assert report["problems"]["invalid_phone"] == 1 and report["problems"]["invalid_email"] == 1
    assert report["problems"]["unknown_choice"] == 1  # "老客户介绍" is not a source option
    tengfei = Customer.objects.get(name="深圳市腾飞电子有限公司")
    assert (tengfei.level, tengfei.source, tengfei.owner) == ("a", "trade_show", owner)
    assert tengfei.team is not None and tengfei.team.name == "华东"  # the owner's team
    shuxiang = Customer.objects.get(name="成都蜀香餐饮管理有限公司")
    assert shuxiang.level == "b"
    assert "来源: 老客户介绍" in shuxiang.notes  # kept, not dropped
    assert ("phone", "手机", "1391234567", False) in points_of(shuxiang)
    assert ("email", "工作", "qianqi@", False) in points_of(shuxiang)
    assert Customer.objects.get(name="孙八").kind == Customer.Kind.INDIVIDUAL


def test_xlsx_with_title_row_numeric_phones_and_dates(owner):
    job = files.upload(owner, "台账.xlsx", files.xlsx_with_title_row(sheets=2))
    assert job.layout["sheets"] == ["说明", "客户"]
    from kelu.transfer import services

    job = services.import_set_layout(actor=owner, job=job, sheet="客户")
    assert job.layout["header_row"] == 2
    assert job.headers == ["公司名称", "联系人", "手机号码", "生日", "备注"]

    files.run(owner, job)

    yunqi = Customer.objects.get(name="上海云栖贸易有限公司")
    liu = yunqi.contacts.get()
    assert liu.birthday == datetime.date(1990, 5, 20)
    assert points_of(yunqi) == {("phone", "手机", "+8613912345678", True)}  # not "13912345678.0"
    assert ContactPoint.objects.get(normalized="+8613912345678").value == "13912345678"
    assert Customer.objects.get(name="杭州西湖文化传媒有限公司").notes == '=HYPERLINK("x")'  # stored as text


def test_ios_vcard_30(owner):
    job = files.upload(owner, "iPhone.vcf", files.IOS_VCARD_30.encode())
    files.run(owner, job)
    company = Customer.objects.get(name="台北音乐有限公司")
    zhou = company.contacts.get()
    assert (zhou.name, zhou.title, zhou.department, zhou.birthday) == ("周杰", "制作人", "制作部",
                                                                       datetime.date(1979, 1, 18))  # fmt: skip
    assert points_of(company) == {
        ("phone", "手机", "+8613912340001", True),
        ("phone", "办公", "+862162880000", True),
        ("phone", "", "+8613912340002", True),  # item1. with its own label X-ABLabel
        ("email", "工作", "zhoujie@music.example", True),
        ("email", "个人", "jay@home.example", True),
    }
    assert company.address == "上海 上海 南京西路 1 号"
    assert "读的时候要把它们接回一行。" in company.notes  # the folded line is whole again


def test_android_vcard_21_quoted_printable(owner):
    job = files.upload(owner, "contacts.vcf", files.ANDROID_VCARD_21.encode())
    job = files.run(owner, job)
    assert job.created == 2
    company = Customer.objects.get(name="深圳市小明科技有限公司")  # joined across the soft line break
    assert company.contacts.get().name == "黄小明"
    assert points_of(company) == {
        ("phone", "手机", "+8613800139000", True),
        ("phone", "家庭", "+8675526888888", True),
        ("email", "个人", "huangxm@example.com", True),
    }
    tom = Customer.objects.get(name="Tom")
    assert points_of(tom) == {("phone", "办公", "+16502530000", True)}


def test_vcard_40(owner):
    job = files.upload(owner, "card.vcf", files.VCARD_40.encode())
    files.run(owner, job)
    wu = Customer.objects.get(name="吴敏")
    assert wu.kind == Customer.Kind.INDIVIDUAL
    assert wu.contacts.get().birthday == datetime.date(1604, 4, 12)
    assert points_of(wu) == {("phone", "手机", "+8613912340003", True), ("email", "工作", "wumin@example.cn", True)}
    assert sorted(wu.tags.values_list("name", flat=True)) == ["同学", "朋友"]


@pytest.mark.skipif(not FIXTURES.exists(), reason="shared fixtures not present")
def test_public_vcards_are_all_read(owner):
    expected = {
        "vcard21-quoted-printable-soft-break.vcf": 1,
        "vcard30-no-name-only-email-x2.vcf": 2,
        "vcard30-thunderbird-bday-no-year.vcf": 1,
        "vcard40-two-cards.vcf": 2,
    }
    for name, count in expected.items():
        job = files.run(owner, files.upload(owner, name, (FIXTURES / name).read_bytes()))
        assert (job.created, job.failed, job.skipped) == (count, 0, 0), name
    huang = Customer.objects.get(name="黄世勇")
    assert huang.address == "北京 丰台区"
    assert huang.website == "http://weibo.com/3094900433?闪闪H红星"  # the URL survives the soft line break
    # Cards with no name are named after their email, never dropped.
    assert Customer.objects.filter(name="test-misses-N-or-FN@example.com").exists()
    assert Contact.objects.get(name="Test bday without year Thunderbird CardBook").birthday == datetime.date(1604, 1, 1)
    assert Customer.objects.filter(name__in=["Contact1", "Contact2"]).count() == 2


def test_a_second_address_is_kept_in_the_notes(owner):
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:郑爽\r\nADR;TYPE=WORK:;;人民路 1 号;苏州;江苏;;\r\n"
        "ADR;TYPE=HOME:;;干将路 2 号;苏州;江苏;;\r\nEND:VCARD\r\n"
    )
    files.run(owner, files.upload(owner, "two.vcf", card.encode()))
    zheng = Customer.objects.get(name="郑爽")
    assert zheng.address == "江苏 苏州 人民路 1 号"
    assert zheng.notes == "Address: 江苏 苏州 干将路 2 号"
