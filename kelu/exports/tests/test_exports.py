import csv
import io
import zipfile

import pytest
import vobject

from kelu.customers import services
from kelu.customers.models import FieldDefinition
from kelu.exports.models import ExportJob
from kelu.exports.services import export_create, export_dir


@pytest.fixture
def book(owner, outsider):
    FieldDefinition.objects.create(entity="customer", key="budget", label_zh="预算", label_en="Budget", type="integer")
    services.customer_create(
        actor=owner,
        values={"name": "北京鑫淼科技有限公司", "level": "a", "notes": "=HYPERLINK(\"http://evil\")"},
        tags=["VIP"],
        points=[{"kind": "phone", "value": "010-6552 9988"}],
        custom={"budget": 120000},
        contacts=[
            {"values": {"name": "欧阳娜娜", "title": "总经理"},
             "points": [{"kind": "phone", "value": "13800138000"}, {"kind": "email", "value": "Nana@Example.com"}]},
        ],
    )  # fmt: skip
    services.customer_create(actor=outsider, values={"name": "别人的客户"})
    owner.role.can_export = True
    owner.role.save()


def _file(job: ExportJob) -> bytes:
    return (export_dir() / job.file_name).read_bytes()


def test_csv_in_utf8_with_bom_masked_nothing_for_full_roles_and_neutralised(owner, book):
    job = export_create(
        actor=owner, format="csv", selection={}, columns=["name", "phones", "emails", "notes", "custom.budget"]
    )
    data = _file(job)
    assert data.startswith(b"\xef\xbb\xbf") and job.rows == 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Phones", "Emails", "Notes", "Budget"] or rows[0][0] == "名称"
    name, phones, emails, notes, budget = rows[1]
    assert name == "北京鑫淼科技有限公司" and "别人的客户" not in data.decode("utf-8-sig")
    assert phones == "010-6552 9988; 13800138000" and emails == "Nana@Example.com" and budget == "120000"
    assert notes.startswith("'=")  # a formula is neutralised


def test_gbk_csv_reads_back_in_gbk(owner, book):
    job = export_create(actor=owner, format="csv", encoding="gbk", selection={}, columns=["name"])
    assert _file(job).decode("gb18030").splitlines()[1] == "北京鑫淼科技有限公司"


def test_masked_for_roles_without_full_contact_details(owner, book):
    owner.role.can_see_full_contacts = False
    owner.role.save()
    job = export_create(actor=owner, format="csv", selection={}, columns=["phones", "emails"])
    text = _file(job).decode("utf-8-sig")
    assert "13800138000" not in text and "138****8000" in text and "N***@Example.com" in text


def test_xlsx_has_the_rows(owner, book):
    job = export_create(actor=owner, format="xlsx", selection={}, columns=["name", "custom.budget"])
    with zipfile.ZipFile(export_dir() / job.file_name) as archive:
        xml = "".join(archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/"))
    assert "北京鑫淼科技有限公司" in xml and "120000" in xml


@pytest.mark.parametrize(("format", "version"), [("vcf", "3.0"), ("vcf4", "4.0")])
def test_vcards_parse_and_split_chinese_names(owner, book, format, version):
    job = export_create(actor=owner, format=format, selection={})
    card = next(vobject.readComponents(_file(job).decode()))
    assert card.version.value == version
    assert card.fn.value == "欧阳娜娜" and card.n.value.family == "欧阳" and card.n.value.given == "娜娜"
    assert card.org.value == ["北京鑫淼科技有限公司"] and card.title.value == "总经理"
    assert {tel.value for tel in card.tel_list} == {"+8613800138000", "+861065529988"}


def test_roles_without_export_right_are_refused(client_as, api_client, viewer, book):
    assert client_as(viewer).get("/exports/new/").status_code == 403
    api_client.force_authenticate(viewer)
    assert api_client.post("/api/v1/exports/", {"format": "csv"}, format="json").status_code == 403


def test_only_visible_customers_are_exported(owner, outsider, book):
    job = export_create(actor=outsider, format="csv", selection={}, columns=["name"])  # sales share the role
    assert "北京鑫淼" not in _file(job).decode("utf-8-sig") and job.rows == 1


def test_page_flow_and_downloads_are_the_authors(client_as, owner, admin, book):
    client = client_as(owner)
    assert client.get("/exports/new/").status_code == 200
    response = client.post("/exports/new/", {"format": "csv", "encoding": "utf-8", "columns": ["name", "tags"]})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200 and b"VIP" in b"".join(download.streaming_content)
    assert client_as(admin).get(f"/exports/{job.pk}/download/").status_code == 404


def test_api_export_and_unknown_column(api_client, owner, book):
    api_client.force_authenticate(owner)
    response = api_client.post("/api/v1/exports/", {"format": "csv", "columns": ["name"]}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "done" and response.json()["rows"] == 1
    assert api_client.get(response.json()["download"]).status_code == 200
    bad = api_client.post("/api/v1/exports/", {"columns": ["password"]}, format="json")
    assert bad.status_code == 400 and "columns" in bad.json()["errors"]


def test_large_exports_run_in_the_background(owner, book, monkeypatch, django_capture_on_commit_callbacks):
    from kelu.exports import services as export_services

    monkeypatch.setattr(export_services, "INLINE_LIMIT", 0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = export_create(actor=owner, format="csv", selection={})
    assert job.status == "queued" and len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == "done" and job.rows == 1


def test_cli_export(owner, book, tmp_path, capsys):
    import json

    from kelu.cli import main

    target = tmp_path / "out.csv"
    assert main(["export", "--json", "--user", "owner", "--columns", "name,phones", "-o", str(target)]) == 0
    assert json.loads(capsys.readouterr().out) == {"rows": 1, "path": str(target)}
    assert "北京鑫淼科技有限公司" in target.read_text(encoding="utf-8-sig")
    assert main(["export", "--columns", "nope", "-o", str(target)]) == 1
