"""The import engine: problem choices, duplicates, owners, checkpointed batches that resume, cancel, undo."""

import types

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kelu.customers import services as customer_services
from kelu.customers.models import Contact, ContactPoint, Customer, FieldDefinition
from kelu.transfer import services, tasks, writing
from kelu.transfer.models import ImportBatch, ImportJob
from kelu.transfer.tests import files

pytestmark = pytest.mark.django_db

CSV = (
    "客户名称,联系人,手机,邮箱,客户等级,备注\n"
    "北京鑫淼科技有限公司,张伟,13912345678,zhang@xinmiao.cn,A,老客户\n"
    "上海云栖贸易有限公司,李娜,12345,lina@yunqi.cn,B,\n"
    "广州华南物流有限公司,王强,13800138001,not-an-email,Z,\n"
)


def csv_job(user, text: str = CSV, name: str = "客户.csv") -> ImportJob:
    return files.upload(user, name, text.encode("utf-8"))


def test_problems_are_flagged_by_default_and_listed_per_row(owner):
    job = files.run(owner, csv_job(owner))
    assert job.report["problems"] == {"invalid_phone": 1, "invalid_email": 1, "invalid_value": 0,
                                      "unknown_choice": 1, "missing_required": 0, "unknown_owner": 0}  # fmt: skip
    sample = {(p["row"], p["code"]) for p in job.report["sample"]}
    assert sample == {(3, "invalid_phone"), (4, "invalid_email"), (4, "unknown_choice")}
    assert (job.created, job.skipped) == (3, 0)
    assert ContactPoint.objects.get(value="12345").is_valid is False
    assert "客户等级: Z" in Customer.objects.get(name="广州华南物流有限公司").notes


def test_problem_messages_are_in_the_users_language(make_user):
    english = make_user("emily", role="sales")
    english.language = "en"
    english.save(update_fields=["language"])
    job = files.run(english, csv_job(english))
    messages = {p["code"]: p["message"] for p in job.report["sample"]}
    assert messages["invalid_phone"] == "“12345” is not a valid phone number."
    chinese = make_user("xiaoli", role="sales")
    job = files.run(chinese, csv_job(chinese, name="b.csv"), on_duplicate="create")
    assert {p["code"]: p["message"] for p in job.report["sample"]}["invalid_phone"] == "“12345”不是有效的电话号码。"


def test_skip_chosen_for_a_problem_class_leaves_those_rows_out(owner):
    job = files.run(owner, csv_job(owner), problems={"invalid_phone": "skip", "unknown_choice": "skip"})
    assert (job.created, job.skipped) == (1, 2)
    assert list(Customer.objects.values_list("name", flat=True)) == ["北京鑫淼科技有限公司"]
    left = list(services.left_out_rows(job))
    assert [(row["row"], row["status"]) for row in left] == [(3, "skipped"), (4, "skipped")]
    assert "12345" in left[0]["reason"]


def test_rows_without_any_name_fail_with_a_reason(owner):
    job = files.run(owner, csv_job(owner, "客户名称,手机\n,13912345678\n北京鑫淼科技有限公司,\n"))
    assert (job.created, job.failed) == (1, 1)
    body = b"".join(services.failed_rows_csv(job)).decode("utf-8-sig")
    assert body.splitlines()[0] == "行,状态,原因,客户名称,手机"
    assert body.splitlines()[1].startswith("2,失败,")
    assert "13912345678" in body


def test_required_custom_field_and_wrong_type(owner, admin):
    for key, kind, required in (("employees", "integer", False), ("contract_no", "text", True)):
        customer_services.field_definition_save(
            actor=admin,
            definition=FieldDefinition(entity="customer", key=key, type=kind, label_zh=key, is_required=required),
        )
    text = "客户名称,employees,contract_no\n甲公司,十个,HT-1\n乙公司,25,\n"
    job = files.run(owner, csv_job(owner, text))
    assert job.report["problems"]["invalid_value"] == 1 and job.report["problems"]["missing_required"] == 1
    first = Customer.objects.get(name="甲公司")
    assert first.custom == {"contract_no": "HT-1"} and "employees: 十个" in first.notes
    assert Customer.objects.get(name="乙公司").custom == {"employees": 25}


def test_reimporting_the_same_file_with_skip_creates_nothing(owner):
    files.run(owner, csv_job(owner))
    counts = (Customer.objects.count(), Contact.objects.count(), ContactPoint.objects.count())
    again = files.run(owner, csv_job(owner))
    assert (again.created, again.skipped) == (0, 3)
    assert (Customer.objects.count(), Contact.objects.count(), ContactPoint.objects.count()) == counts
    assert "#" in next(services.left_out_rows(again))["reason"]


def test_duplicates_within_the_file(owner):
    text = "客户名称,手机\n北京鑫淼科技有限公司,13912345678\n鑫淼科技（北京）有限公司,13912345678\n张三,13700137000\n"
    job = files.run(owner, csv_job(owner, text))
    assert job.report["duplicates_in_file"] == 1
    assert (job.created, job.skipped) == (2, 1)
    job = files.run(owner, csv_job(owner, text, name="again.csv"), on_duplicate="create")
    assert job.created == 3


def test_fill_only_fills_empty_fields_and_overwrite_replaces(owner):
    existing = customer_services.customer_create(
        actor=owner, values={"name": "北京鑫淼科技有限公司", "level": "b"},
        points=[{"kind": "phone", "value": "13912345678"}],
    )  # fmt: skip
    text = "客户名称,手机,客户等级,地址,邮箱,标签\n鑫淼科技,139 1234 5678,A,朝阳区 1 号,info@xinmiao.cn,重点\n"
    job = files.run(owner, csv_job(owner, text), on_duplicate="fill")
    assert (job.created, job.updated) == (0, 1)
    existing.refresh_from_db()
    assert (existing.level, existing.address) == ("b", "朝阳区 1 号")  # level was not empty: kept
    assert set(ContactPoint.objects.filter(customer=existing).values_list("normalized", flat=True)) == {
        "+8613912345678", "info@xinmiao.cn"}  # fmt: skip
    assert list(existing.tags.values_list("name", flat=True)) == ["重点"]
    job = files.run(owner, csv_job(owner, text, name="b.csv"), on_duplicate="overwrite")
    existing.refresh_from_db()
    assert existing.level == "a"
    assert existing.history.count() >= 3  # every change is in the history


def test_matches_only_records_the_importer_may_see(owner, outsider):
    customer_services.customer_create(
        actor=outsider, values={"name": "华南公司"}, points=[{"kind": "phone", "value": "13912345678"}]
    )
    job = files.run(owner, csv_job(owner, "客户名称,手机\n华南公司,13912345678\n"), on_duplicate="fill")
    assert job.created == 1  # the outsider's customer is neither revealed nor changed


def test_a_manager_imports_owners_from_a_column_within_their_scope(manager, owner, outsider):
    text = "客户名称,负责人\n甲公司,owner\n乙公司,陈强\n丙公司,nobody\n"
    job = csv_job(manager, text)
    assert files.targets(job)["负责人"] == "customer.owner"
    job = files.run(manager, job)
    assert job.report["problems"]["unknown_owner"] == 2
    assert Customer.objects.get(name="甲公司").owner == owner
    assert Customer.objects.get(name="乙公司").owner == manager  # the outsider is not in the manager's teams
    assert Customer.objects.get(name="丙公司").owner == manager


def test_sales_may_not_map_an_owner_column(owner):
    job = csv_job(owner, "客户名称,负责人\n甲公司,owner\n")
    assert files.targets(job)["负责人"] == "ignore"  # not even suggested
    with pytest.raises(ValidationError, match="只有经理和管理员可以从列中导入负责人"):
        services.import_set_mapping(actor=owner, job=job, mapping=["customer.name", "customer.owner"])


def test_viewer_may_not_import(viewer):
    with pytest.raises(PermissionDenied):
        files.upload(viewer, "a.csv", b"name\nx\n")


def test_a_killed_worker_resumes_without_duplicates_or_lost_rows(owner, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 2)
    rows = "".join(f"公司{i:02d},1391234{i:04d}\n" for i in range(7))
    job = csv_job(owner, "客户名称,手机\n" + rows)
    services.import_set_mapping(actor=owner, job=job, mapping=None)
    real = writing.process_batch
    calls = {"n": 0}

    def killed_during_second_batch(context, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            real(context, batch)  # its writes are rolled back with the batch's transaction
            raise SystemExit("worker killed")
        return real(context, batch)

    monkeypatch.setattr(services, "process_batch", killed_during_second_batch)
    with pytest.raises(SystemExit):
        services.import_start(actor=owner, job=job, wait=True, checked=False)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created) == ("running", 2, 2)
    assert Customer.objects.count() == 2

    monkeypatch.setattr(services, "process_batch", real)
    assert services.import_run(job.pk).status == "running"  # the dead run's heartbeat is still fresh: left alone
    assert job.heartbeat_at is not None
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at - services.STALE_AFTER)
    assert services.resume_stalled() == [job.pk]  # the watchdog queues it again (run at once in tests)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created, job.batches_done) == ("done", 7, 7, 4)
    names = sorted(Customer.objects.values_list("name", flat=True))
    assert names == [f"公司{i:02d}" for i in range(7)]


def test_cancel_stops_after_the_current_batch_and_undo_removes_it(owner, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 2)
    job = csv_job(owner, "客户名称\n" + "".join(f"公司{i}\n" for i in range(6)))
    services.import_set_mapping(actor=owner, job=job, mapping=None)

    def progress(current):
        if current.rows_done == 2:
            services.import_cancel(actor=owner, job=current)

    job = services.import_start(actor=owner, job=job, wait=True, checked=False, progress=progress)
    assert (job.status, job.created) == ("cancelled", 2)
    job = services.import_undo(actor=owner, job=job, wait=True)
    assert job.status == "undone" and Customer.objects.count() == 0


def test_undo_restores_the_previous_state_and_leaves_changed_records_alone(owner, teammate):
    kept = customer_services.customer_create(
        actor=owner, values={"name": "北京鑫淼科技有限公司"}, points=[{"kind": "phone", "value": "13912345678"}]
    )
    text = (
        "客户名称,手机,地址,标签\n北京鑫淼科技有限公司,13912345678,朝阳区,新标签\n新公司甲,13800138001,,\n新公司乙,,,\n"
    )
    job = files.run(owner, csv_job(owner, text), on_duplicate="fill")
    assert (job.created, job.updated) == (2, 1)
    edited = Customer.objects.get(name="新公司乙")
    customer_services.customer_update(actor=owner, customer=edited, values={"level": "a"})  # changed since

    with pytest.raises(PermissionDenied):
        services.import_undo(actor=teammate, job=job)
    job = services.import_undo(actor=owner, job=job, wait=True)

    assert job.status == "undone"
    kept.refresh_from_db()
    assert kept.address == "" and not kept.tags.exists()
    assert list(ContactPoint.objects.filter(customer=kept).values_list("normalized", flat=True)) == ["+8613912345678"]
    assert not Customer.objects.filter(name="新公司甲").exists()
    assert Customer.objects.filter(name="新公司乙").exists()
    assert job.undo_report == [{"id": edited.pk, "name": "新公司乙", "reason": "导入之后被修改过。"}]
    assert not ImportBatch.objects.filter(job=job).exists()


def test_saved_mapping_is_offered_for_files_with_the_same_headers(owner):
    job = csv_job(owner, "Firma,Telefon\n甲公司,13912345678\n")
    assert files.targets(job) == {"Firma": "ignore", "Telefon": "ignore"}
    services.import_set_mapping(actor=owner, job=job, mapping=["customer.name", {"target": "phone", "label": "总机"}])
    services.mapping_save(actor=owner, job=job, name="德国表")
    again = csv_job(owner, "Firma,Telefon\n乙公司,13800138000\n", name="b.csv")
    assert files.targets(again) == {"Firma": "customer.name", "Telefon": "phone"}
    assert again.mapping[1]["label"] == "总机"


def test_undo_deletes_a_record_the_import_created_and_then_updated(owner, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 1)  # the second row meets the first one's record in the database
    text = "客户名称,手机,地址\n北京鑫淼科技有限公司,13912345678,\n鑫淼科技,13912345678,朝阳区\n"
    job = files.run(owner, csv_job(owner, text), on_duplicate="fill")
    assert (job.created, job.updated) == (1, 1)
    assert Customer.objects.get().address == "朝阳区"
    job = services.import_undo(actor=owner, job=job, wait=True)
    assert job.undo_report == [] and not Customer.objects.exists()


def test_files_are_removed_once_imported_or_abandoned(owner):
    job = files.run(owner, csv_job(owner))
    assert not services.path_of(job).exists()
    stale = csv_job(owner, name="b.csv")
    assert services.path_of(stale).exists()
    ImportJob.objects.filter(pk=stale.pk).update(created_at=stale.created_at - services.ABANDONED_AFTER)
    assert services.abandoned_uploads_remove() == 1
    assert not services.path_of(stale).exists() and not ImportJob.objects.filter(pk=stale.pk).exists()


def test_an_unexpected_error_fails_the_import_instead_of_retrying_forever(owner, monkeypatch):
    job = csv_job(owner)
    services.import_set_mapping(actor=owner, job=job, mapping=None)

    def broken(context, batch):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "process_batch", broken)
    with pytest.raises(RuntimeError):
        services.import_start(actor=owner, job=job, wait=True, checked=False)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "导入因意外错误而中止。")
    assert services.resume_stalled() == []


def test_cancelling_during_the_check(owner, monkeypatch):
    job = csv_job(owner)
    real = services._validation_report

    def cancelled_meanwhile(current):
        services.import_cancel(actor=owner, job=current)
        return real(current)

    monkeypatch.setattr(services, "_validation_report", cancelled_meanwhile)
    job = services.import_validate(actor=owner, job=job, wait=True)
    assert job.status == "cancelled"


def test_the_watchdog_queues_a_waiting_import_once_per_silence(owner, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(tasks, "run_import", types.SimpleNamespace(enqueue=queued.append))
    job = csv_job(owner)
    services.import_set_mapping(actor=owner, job=job, mapping=None)
    services.import_validate(actor=owner, job=job, wait=True)
    job = services.import_start(actor=owner, job=ImportJob.objects.get(pk=job.pk))
    assert queued == [job.pk] and job.status == "queued"
    assert services.resume_stalled() == []  # still fresh
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - services.STALE_AFTER)
    assert services.resume_stalled() == [job.pk]
    assert services.resume_stalled() == []  # not again a minute later
    assert queued == [job.pk, job.pk]
