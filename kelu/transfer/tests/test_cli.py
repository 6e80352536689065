"""`kelu import`, run in-process through kelu.cli.main, on the same engine as the pages."""

import json

import pytest
from django.utils import translation

from kelu import cli
from kelu.customers.models import Customer
from kelu.transfer.models import ImportJob
from kelu.transfer.tests import files

pytestmark = pytest.mark.django_db
CSV = "客户名称,联系人,手机,邮箱\n北京鑫淼科技有限公司,张伟,13912345678,a@xinmiao.cn\n上海云栖,李娜,12345,\n"


@pytest.fixture(autouse=True)
def _django_already_set_up(monkeypatch):
    monkeypatch.setattr(cli, "_setup_django", lambda: None)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "客户.csv"
    path.write_text(CSV, encoding="gbk")
    return path


def test_import_prints_counts_as_json_and_reimport_skips(capsys, admin, owner, csv_file):
    code, out, err = run(capsys, "--json", "import", str(csv_file), "--owner", "owner")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert {key: data[key] for key in ("created", "updated", "skipped", "failed")} == {
        "created": 2, "updated": 0, "skipped": 0, "failed": 0}  # fmt: skip
    assert set(Customer.objects.values_list("owner__username", flat=True)) == {"owner"}
    code, out, _err = run(capsys, "import", str(csv_file), "--json", "--on-duplicate", "skip")
    assert json.loads(out)["skipped"] == 2 and Customer.objects.count() == 2


def test_dry_run_writes_nothing(capsys, admin, csv_file):
    code, out, _err = run(capsys, "import", str(csv_file), "--dry-run", "--json")
    data = json.loads(out)
    assert code == 0 and data["dry_run"] is True
    assert data["problems"]["invalid_phone"] == 1 and data["rows"] == 2
    assert not Customer.objects.exists() and not ImportJob.objects.exists()
    code, out, _err = run(capsys, "import", str(csv_file), "--dry-run")
    assert "Checked 2 rows" in out and "Invalid phone number: 1" in out


def test_mapping_file_and_skipping_problems(capsys, admin, tmp_path, csv_file):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"客户名称": "customer.name", "手机": {"target": "phone", "label": "总机"}}))
    code, out, _err = run(capsys, "import", str(csv_file), "--mapping", str(mapping), "--skip-problems", "--json")
    data = json.loads(out)
    assert (code, data["created"], data["skipped"]) == (0, 1, 1)
    customer = Customer.objects.get()
    assert not customer.contacts.exists()  # the contact column was not mapped
    assert customer.points.get().label == "总机"


def test_update_fills_existing_records(capsys, admin, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("客户名称,手机\n北京鑫淼科技有限公司,13912345678\n", encoding="utf-8")
    run(capsys, "import", str(first), "--json")
    second = tmp_path / "b.csv"
    second.write_text("客户名称,手机,地址\n鑫淼科技,13912345678,朝阳区\n", encoding="utf-8")
    code, out, _err = run(capsys, "import", str(second), "--on-duplicate", "update", "--json")
    assert (code, json.loads(out)["updated"]) == (0, 1)
    assert Customer.objects.get().address == "朝阳区"


def test_errors_are_one_line(capsys, admin, owner, tmp_path, csv_file):
    code, _out, err = run(capsys, "import", str(tmp_path / "missing.csv"))
    assert code == 1 and err.startswith("kelu: error: no file")
    bad = tmp_path / "a.exe"
    bad.write_bytes(b"MZ")
    code, out, _err = run(capsys, "--json", "import", str(bad))
    assert code == 1 and "none of them" in json.loads(out)["error"]
    code, _out, err = run(capsys, "import", str(csv_file), "--user", "viewer-nobody")
    assert code == 1 and "no active user" in err


def test_vcard_from_the_command_line(capsys, admin, tmp_path):
    path = tmp_path / "iPhone.vcf"
    path.write_text(files.IOS_VCARD_30, encoding="utf-8")
    code, out, _err = run(capsys, "import", str(path), "--json")
    assert (code, json.loads(out)["created"]) == (0, 1)
