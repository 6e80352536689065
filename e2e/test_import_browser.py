"""A user imports a spreadsheet: upload, adjust the mapping, read the preview, import, watch the progress, undo."""

import types

import pytest
from playwright.sync_api import Page, expect

from e2e.test_customers_browser import log_in
from kelu.accounts.services import user_create
from kelu.customers.models import ContactPoint, Customer
from kelu.transfer import services, tasks
from kelu.transfer.models import ImportJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = [("北京鑫淼科技有限公司", "张伟", "13912345678", "A"), ("上海云栖贸易有限公司", "李娜", "12345", "B")] + [
    (f"杭州测试{i}号有限公司", f"联系人{i}", f"1380013{i:04d}", "C") for i in range(8)
]


def test_upload_map_preview_import_progress_and_undo(page: Page, live_server, tmp_path, monkeypatch):
    user, password = user_create(username="meimei", role="sales", teams=["华东"])
    path = tmp_path / "客户名单.csv"
    lines = ["客户名称,姓名,联系方式,级别"] + [",".join(row) for row in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))  # as Excel on a Chinese Windows saves it

    # The worker is this test: each time the page polls, one batch of two rows is written, so the bar moves.
    monkeypatch.setattr(services, "BATCH", 2)
    monkeypatch.setattr(tasks, "run_import", types.SimpleNamespace(enqueue=lambda pk: None))
    visible = services.imports_visible_to

    def one_batch_per_request(actor):
        for pk in ImportJob.objects.filter(status__in=["queued", "running"]).values_list("pk", flat=True):
            services.import_run(pk, max_batches=1)
        return visible(actor)

    monkeypatch.setattr(services, "imports_visible_to", one_batch_per_request)

    log_in(page, live_server.url, user.username, password)
    page.goto(f"{live_server.url}/import/")
    page.get_by_test_id("import-upload-form").locator("input[type=file]").set_input_files(str(path))
    page.get_by_test_id("import-upload").click()

    # "姓名" is recognised as the contact's name; "联系方式" (phone? WeChat?) is left to the user: map it as a mobile.
    expect(page.get_by_test_id("target-1")).to_have_value("contact.name")
    expect(page.get_by_test_id("target-2")).to_have_value("ignore")
    page.get_by_test_id("target-2").select_option("phone")
    page.locator("input[name=label_2]").fill("手机")
    page.get_by_test_id("mapping-submit").click()

    preview = page.get_by_test_id("import-preview")
    expect(preview).to_be_visible()
    expect(page.get_by_test_id("preview-row")).to_have_count(10)
    expect(page.get_by_test_id("preview-row").first).to_contain_text("+8613912345678")
    expect(page.get_by_test_id("problem-invalid_phone")).to_contain_text("1")
    page.get_by_test_id("problem-invalid_phone").locator("input[value=skip]").check()
    page.get_by_test_id("import-start").click()

    progress = page.locator("#import-progress progress")
    expect(progress).to_be_visible()
    assert 0 < int(progress.get_attribute("value") or 0) < 10
    result = page.get_by_test_id("import-result")
    expect(result).to_be_visible(timeout=20_000)  # the page reloads itself when the import is done
    expect(page.get_by_test_id("result-created")).to_have_text("9")
    expect(page.get_by_test_id("result-skipped")).to_have_text("1")
    assert Customer.objects.count() == 9
    assert ContactPoint.objects.get(normalized="+8613912345678").label == "手机"

    page.get_by_test_id("import-undo").click()
    expect(page.get_by_test_id("import-undone")).to_be_visible()
    assert Customer.objects.count() == 0
