"""Import pages: upload, mapping, check and preview, progress, result, undo; outsiders and wrong methods."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from kelu.customers.models import Customer
from kelu.transfer.models import ImportJob

pytestmark = pytest.mark.django_db
CSV = "公司,姓名,手机,客户等级\n北京鑫淼科技有限公司,张伟,13912345678,A\n上海云栖,李娜,12345,Z\n".encode()


def upload(client, content: bytes = CSV, name: str = "客户.csv"):
    return client.post("/import/upload/", {"file": SimpleUploadedFile(name, content)})


def test_upload_map_preview_import_and_undo(owner_client, owner):
    assert owner_client.get("/import/").status_code == 200
    response = upload(owner_client)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/import/{job.pk}/"

    page = owner_client.get(f"/import/{job.pk}/").content.decode()
    assert "北京鑫淼科技有限公司" in page  # first values beside the mapping
    assert 'value="customer.name" selected' in page

    form = {"target_0": "customer.name", "target_1": "contact.name", "target_2": "phone", "label_2": "手机",
            "target_3": "customer.level", "save_as": "我的表"}  # fmt: skip
    assert owner_client.post(f"/import/{job.pk}/mapping/", form).status_code == 302
    job.refresh_from_db()
    assert job.status == "validated"
    page = owner_client.get(f"/import/{job.pk}/").content.decode()
    assert "+8613912345678" in page  # the preview shows stored values
    assert "A 类" in page  # options by their label
    assert "“12345”不是有效的电话号码。" in page
    assert 'data-testid="problem-invalid_phone"' in page

    response = owner_client.post(f"/import/{job.pk}/start/", {"on_duplicate": "skip", "problem_invalid_phone": "skip",
                                                              "problem_unknown_choice": "flag"})  # fmt: skip
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created, job.skipped) == ("done", 1, 1)
    page = owner_client.get(f"/import/{job.pk}/").content.decode()
    assert 'data-testid="import-result"' in page and 'data-testid="import-undo"' in page
    rows = owner_client.get(f"/import/{job.pk}/failed.csv")
    assert "上海云栖" in b"".join(rows.streaming_content).decode("utf-8-sig")

    assert owner_client.post(f"/import/{job.pk}/undo/").status_code == 302
    assert not Customer.objects.exists()
    assert "这次导入已撤销" in owner_client.get(f"/import/{job.pk}/").content.decode()


def test_progress_polling_refreshes_the_page_when_finished(owner_client, owner):
    upload(owner_client)
    job = ImportJob.objects.get()
    job.status, job.total_rows, job.rows_done = ImportJob.Status.RUNNING, 10, 4
    job.save()
    headers = {"HX-Request": "true", "HX-Target": "import-progress"}
    response = owner_client.get(f"/import/{job.pk}/", headers=headers)
    assert b'<progress class="w-100 mb-2" max="10" value="4"' in response.content
    assert b"<html" not in response.content
    job.status = ImportJob.Status.DONE
    job.save()
    response = owner_client.get(f"/import/{job.pk}/", headers=headers)
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_upload_errors_are_shown(owner_client):
    response = upload(owner_client, b"\x00\x00\x00", "a.csv")
    assert response.status_code == 302
    page = owner_client.get("/import/").content.decode()
    assert "NUL" in page
    with override_settings(KELU_IMPORT_MAX_BYTES=10):
        upload(owner_client)
    assert "上限" in owner_client.get("/import/").content.decode()
    assert not ImportJob.objects.exists()


def test_outsider_gets_404(owner_client, client_as, outsider):
    upload(owner_client)
    job = ImportJob.objects.get()
    stranger = client_as(outsider)
    assert stranger.get(f"/import/{job.pk}/").status_code == 404
    assert stranger.get(f"/import/{job.pk}/failed.csv").status_code == 404
    for action in ("layout", "mapping", "start", "cancel", "undo"):
        assert stranger.post(f"/import/{job.pk}/{action}/").status_code == 404


def test_viewer_gets_403(client_as, viewer):
    client = client_as(viewer)
    assert client.get("/import/").status_code == 403
    assert upload(client).status_code == 403


def test_wrong_method(owner_client):
    upload(owner_client)
    job = ImportJob.objects.get()
    assert owner_client.get(f"/import/{job.pk}/start/").status_code == 405
    assert owner_client.get("/import/upload/").status_code == 405
    assert owner_client.post(f"/import/{job.pk}/").status_code == 405


def test_layout_form_chooses_the_header_row(owner_client):
    upload(owner_client, "名单\n客户名称,手机\n甲公司,13912345678\n".encode())
    job = ImportJob.objects.get()
    assert job.headers == ["客户名称", "手机"]
    owner_client.post(f"/import/{job.pk}/layout/", {"header_row": "1", "encoding": "utf-8", "delimiter": ","})
    job.refresh_from_db()
    assert job.headers == ["名单"]
