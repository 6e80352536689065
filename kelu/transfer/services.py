"""Imports: upload, read, map, check, then write in the background in checkpointed batches; cancel and undo.

A job goes uploaded → (validating → validated) → queued → running → done | cancelled | failed, and done / cancelled
→ undoing → undone. Each batch is one transaction that writes its records, its ``ImportBatch`` (what undo needs, the
rows left out) and the job's checkpoint together, so a killed worker resumes after the last committed batch: no row is
written twice and none is lost. A run holds the job through ``runner``; a run whose heartbeat stopped is replaced.
"""

import csv
import io
import multiprocessing
import os
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kelu.accounts.audit import record_event
from kelu.accounts.models import AuditEvent, Role, User
from kelu.core import permissions
from kelu.core.errors import Conflict
from kelu.customers import custom_fields
from kelu.exports.writers import cell as safe_cell
from kelu.transfer import mapping as mappings
from kelu.transfer import reading
from kelu.transfer.models import ImportBatch, ImportJob, SavedMapping
from kelu.transfer.preparing import FLAG, PROBLEM_CLASSES, SKIP, Plan, Prepared, build_plan, prepare
from kelu.transfer.writing import (
    Context,
    after_batch_written,
    delete_created,
    find_existing,
    process_batch,
    undo_update,
)

BATCH = 2000
PARALLEL_FROM = 20_000  # rows; below this a helper process costs more than it saves
PARALLEL_FROM_BYTES = 1024 * 1024  # the same for files not counted yet (about 100 bytes a row)
# Processes preparing rows while this one reads and writes: writing costs about as much as preparing, so one helper
# per spare core keeps both busy.
HELPERS = max(1, (os.cpu_count() or 2) - 1)
STALE_AFTER = timedelta(minutes=2)  # a run silent for this long is taken over
ABANDONED_AFTER = timedelta(days=7)
PREVIEW_ROWS = 20
SAMPLE_ROWS = 5  # raw rows shown beside the mapping
PROBLEM_SAMPLE = 200


def import_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(job: ImportJob) -> Path:
    return import_dir() / job.file_name


def may_import(user: User) -> bool:
    return user.is_active and not permissions.is_read_only(user) and (user.is_admin or bool(user.role.can_import))


def _require_importer(actor: User) -> None:
    if not may_import(actor):
        raise PermissionDenied(_("Your role may not import."))


def _require_author(actor: User, job: ImportJob) -> None:
    if job.actor_id != actor.pk and not actor.is_admin:
        raise PermissionDenied(_("Only the person who made the import (or an administrator) can do this."))


# --- upload, layout, mapping -----------------------------------------------------------------------------------------


def import_upload(*, actor: User, name: str, chunks: Iterable[bytes]) -> ImportJob:
    """Store an uploaded file under a generated name, recognise its layout and suggest a mapping."""
    _require_importer(actor)
    name = Path(name or "").name[:255] or "upload"
    try:
        kind = reading.kind_of(name)
    except reading.FileProblem as problem:
        raise ValidationError({"file": [str(problem)]}) from None
    suffix = Path(name).suffix.lower()
    job = ImportJob(actor=actor, original_name=name, file_name=ImportJob.new_file_name(suffix))
    path = path_of(job)
    limit = settings.KELU_IMPORT_MAX_BYTES
    size = 0
    try:
        with path.open("wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise reading.FileProblem(too_large_message())
                handle.write(chunk)
        if not size:
            raise reading.FileProblem(_("The file is empty."))
        with reading.sheets_kept():
            layout = reading.detect_layout(path, name)
            headers = reading.read_headers(path, layout)
            sample = list(islice(reading.data_rows(path, layout, len(headers)), SAMPLE_ROWS))
    except reading.FileProblem as problem:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": [str(problem)]}) from None
    except Exception:
        path.unlink(missing_ok=True)
        raise
    job.size = size
    job.layout = {**layout.as_dict(), "sample": [cells for _row, cells in sample]}
    job.headers = headers
    job.mapping = _known_mapping(actor, headers) or mappings.suggest(
        headers, owner_column=mappings.may_map_owner(actor)
    )
    if kind == "vcard":
        job.layout["kind"] = "vcard"
    job.save()
    return job


def too_large_message() -> str:
    megabytes = settings.KELU_IMPORT_MAX_BYTES // (1024 * 1024)
    return _("The file is larger than %(size)d MB, the limit for imports.") % {"size": megabytes}


def _known_mapping(actor: User, headers: list[str]) -> list[dict[str, Any]] | None:
    """The user's saved mapping for files with exactly these headers, if any."""
    saved = SavedMapping.objects.filter(owner=actor, headers=headers).order_by("-created_at").first()
    return saved.mapping if saved else None


def import_set_layout(
    *, actor: User, job: ImportJob, encoding: str | None = None, delimiter: str | None = None,
    sheet: str | None = None, header_row: int | None = None,
) -> ImportJob:  # fmt: skip
    """Read the file differently (encoding, delimiter, sheet, header row); the mapping is suggested again."""
    _require_author(actor, job)
    _require_editable(job)
    layout = reading.Layout.from_dict(job.layout)
    path = path_of(job)
    try:
        with reading.sheets_kept():
            if sheet is not None and sheet != layout.sheet:
                layout = reading.choose_sheet(path, layout, sheet)
            if encoding:
                if encoding not in reading.ENCODINGS and encoding != "utf-8-sig":
                    raise reading.FileProblem(_("Unknown encoding."))
                layout.encoding = encoding
            if delimiter:
                delimiter = "\t" if delimiter in ("tab", "\\t") else delimiter
                if len(delimiter) != 1:
                    raise reading.FileProblem(_("The delimiter is one character."))
                layout.delimiter = delimiter
            if header_row is not None:
                if header_row < 0 or header_row > 1000:
                    raise reading.FileProblem(_("Choose a header row between 1 and 1000."))
                layout.header_row = header_row
            headers = reading.read_headers(path, layout)
            sample = list(islice(reading.data_rows(path, layout, len(headers)), SAMPLE_ROWS))
    except reading.FileProblem as problem:
        raise ValidationError({"layout": [str(problem)]}) from None
    if headers != job.headers:
        job.mapping = _known_mapping(actor, headers) or mappings.suggest(
            headers, owner_column=mappings.may_map_owner(actor)
        )
    job.layout = {**layout.as_dict(), "sample": [cells for _row, cells in sample]}
    job.headers, job.status, job.report = headers, ImportJob.Status.UPLOADED, {}
    job.save()
    return job


def _require_editable(job: ImportJob) -> None:
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED):
        raise Conflict(_("This import has started; its settings can no longer change."))


def import_set_mapping(
    *, actor: User, job: ImportJob, mapping: Any, on_duplicate: str | None = None,
    problem_choices: dict[str, str] | None = None, default_owner: int | None = None,
) -> ImportJob:  # fmt: skip
    """Where each column goes (``None``: unchanged) and the choices for duplicates and problems.

    A changed mapping needs a new check before the import can start.
    """
    _require_author(actor, job)
    _require_editable(job)
    errors: dict[str, list[str]] = {}
    if mapping is not None:
        try:
            cleaned = mappings.clean_mapping(actor, job.headers, mapping)
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            if cleaned != job.mapping:
                job.mapping, job.status, job.report = cleaned, ImportJob.Status.UPLOADED, {}
    if on_duplicate is not None:
        if on_duplicate not in ImportJob.OnDuplicate.values:
            errors["on_duplicate"] = [_("Choose skip, fill, overwrite or create.")]
        else:
            job.on_duplicate = on_duplicate
    if problem_choices is not None:
        unknown = [
            key for key, value in problem_choices.items() if key not in PROBLEM_CLASSES or value not in (FLAG, SKIP)
        ]
        if unknown:
            errors["problem_choices"] = [
                _("Each problem class is “flag” or “skip”: %(keys)s.") % {"keys": ", ".join(unknown)}
            ]
        else:
            job.problem_choices = {**job.problem_choices, **problem_choices}
    if default_owner is not None:
        allowed = permissions.assignable_owner_ids(actor)
        if (allowed is not None and default_owner not in allowed) or not User.objects.filter(
            pk=default_owner, is_active=True
        ).exists():
            errors["default_owner"] = [_("You may not make this user the owner.")]
        else:
            job.default_owner_id = default_owner
    if errors:
        raise ValidationError(errors)
    job.save()
    return job


def mapping_save(*, actor: User, job: ImportJob, name: str) -> SavedMapping:
    """Keep the job's mapping under a name; files with the same headers get it automatically."""
    _require_author(actor, job)
    name = " ".join(name.split())[:100]
    if not name:
        raise ValidationError({"name": [_("Give the mapping a name.")]})
    saved, _created = SavedMapping.objects.update_or_create(
        owner=actor, name=name, defaults={"headers": job.headers, "mapping": job.mapping}
    )
    return saved


def mapping_apply(*, actor: User, job: ImportJob, saved: SavedMapping) -> ImportJob:
    """Use a saved mapping for this file (columns matched by header name; others are ignored)."""
    by_header = dict(zip(saved.headers, saved.mapping, strict=False))
    entries = [by_header.get(header, {"target": mappings.IGNORE}) for header in job.headers]
    return import_set_mapping(actor=actor, job=job, mapping=entries)


# --- reading prepared rows -------------------------------------------------------------------------------------------


def _plan(job: ImportJob, actor: User) -> Plan:
    return build_plan(actor, job.headers, job.mapping)


_PLAN: Plan | None = None  # set before forking: helper processes read it instead of receiving it with every chunk


def _prepare_chunk(chunk: list[tuple[int, list[str]]]) -> list[tuple[Prepared, list[str]]]:
    assert _PLAN is not None
    return [(prepare(_PLAN, row, cells), cells) for row, cells in chunk]


def prepared_rows(job: ImportJob, plan: Plan, *, skip: int = 0, parallel: bool = False) -> Generator[
    tuple[Prepared, list[str]], None, None
]:  # fmt: skip
    """(prepared row, original cells) for the data rows after the first ``skip``, in file order.

    Large files are prepared in a helper process while this one reads and writes (names and phones repeat, and the
    normalisers cache them, so each process keeps its own caches warm).
    """
    layout = reading.Layout.from_dict(job.layout)
    rows = islice(reading.data_rows(path_of(job), layout, len(job.headers)), skip, None)
    helpers = (
        HELPERS if parallel and (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods() else 0
    )
    if not helpers:
        for row, cells in rows:
            yield prepare(plan, row, cells), cells
        return
    global _PLAN
    _PLAN = plan
    if not connections["default"].in_atomic_block:
        connections.close_all()  # a forked child must not share the parent's connections
    chunks = iter(lambda: list(islice(rows, 500)), [])
    with multiprocessing.get_context("fork").Pool(helpers) as pool:
        for prepared in pool.imap(_prepare_chunk, chunks, chunksize=1):
            yield from prepared
    _PLAN = None


# --- validation pass -------------------------------------------------------------------------------------------------


def import_validate(*, actor: User, job: ImportJob, wait: bool = False) -> ImportJob:
    """Check every row before anything is written (in the background unless ``wait``)."""
    _require_author(actor, job)
    _require_editable(job)
    mappings.clean_mapping(actor, job.headers, job.mapping)
    job.status, job.report = ImportJob.Status.VALIDATING, {}
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "report", "heartbeat_at"])
    if wait:
        return import_validate_run(job.pk)
    from kelu.transfer.tasks import validate_import

    transaction.on_commit(lambda: validate_import.enqueue(job.pk))
    return job


def import_validate_run(job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("actor__role").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    with translation.override(job.actor.language or settings.LANGUAGE_CODE):
        try:
            report = _validation_report(job)
        except reading.FileProblem as problem:
            _fail(job, str(problem), status=ImportJob.Status.VALIDATING)
            return ImportJob.objects.get(pk=job.pk)
        except Exception:
            _fail(job, _("The check stopped on an unexpected error."), status=ImportJob.Status.VALIDATING)
            raise
    # Only if still being checked: the user may have cancelled meanwhile.
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
        report=report, total_rows=report["rows"], status=ImportJob.Status.VALIDATED
    )
    return ImportJob.objects.get(pk=job.pk)


def _fail(job: ImportJob, message: str, *, status: str | None = None, runner: str | None = None) -> None:
    """Mark a job failed (if it is still in ``status`` / held by ``runner``): what was written stays, undoable."""
    jobs = ImportJob.objects.filter(pk=job.pk)
    if status is not None:
        jobs = jobs.filter(status=status)
    if runner is not None:
        jobs = jobs.filter(runner=runner)
    jobs.update(status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now())


def _validation_report(job: ImportJob) -> dict[str, Any]:
    actor = job.actor
    plan = _plan(job, actor)
    context = Context(job, actor)
    counts: dict[str, int] = dict.fromkeys(PROBLEM_CLASSES, 0)
    rows_with: dict[str, int] = dict.fromkeys(PROBLEM_CLASSES, 0)
    problems: list[dict[str, Any]] = []
    preview: list[dict[str, Any]] = []
    seen: set[int] = set()  # hashes of the keys of earlier rows: duplicates within the file
    total = fatal = in_file = existing = 0
    fatal_rows: list[dict[str, Any]] = []
    chunk: list[Prepared] = []

    def check_existing(rows: list[Prepared]) -> int:
        found = find_existing(context, rows)
        return sum(1 for row in rows if any(key in found for key in row.dedupe_keys()))

    for prepared, _cells in prepared_rows(job, plan, parallel=job.size > PARALLEL_FROM_BYTES):
        total += 1
        if prepared.fatal:
            fatal += 1
            if len(fatal_rows) < PROBLEM_SAMPLE:
                fatal_rows.append({"row": prepared.row, "message": prepared.fatal})
            continue
        classes = set()
        for problem in prepared.problems:
            counts[problem.code] += 1
            classes.add(problem.code)
            if len(problems) < PROBLEM_SAMPLE:
                problems.append({"row": prepared.row, **problem.as_dict()})
        for code in classes:
            rows_with[code] += 1
        keys = [hash(key) for key in prepared.dedupe_keys()]
        if any(key in seen for key in keys):
            in_file += 1
        seen.update(keys)
        if len(preview) < PREVIEW_ROWS:
            preview.append(_preview(prepared, plan))
        chunk.append(prepared)
        if len(chunk) >= BATCH:
            existing += check_existing(chunk)
            chunk = []
        if total % BATCH == 0:
            ImportJob.objects.filter(pk=job.pk).update(rows_done=total, heartbeat_at=timezone.now())
    if chunk:
        existing += check_existing(chunk)
    return {
        "rows": total, "problems": counts, "rows_with": rows_with, "sample": problems, "fatal": fatal,
        "fatal_sample": fatal_rows, "duplicates_in_file": in_file, "duplicates_existing": existing, "preview": preview,
    }  # fmt: skip


def _preview(row: Prepared, plan: Plan) -> dict[str, Any]:
    """A row as it will be stored, in words: field labels, option labels, custom field labels."""
    customer = row.customer
    options = plan.option_labels
    custom = {**customer.get("custom", {}), **(row.contact or {}).get("custom", {})}
    definitions = {key.split(".", 1)[1]: definition for key, definition in plan.definitions.items()}
    return {
        "row": row.row,
        "kind": row.kind,
        "name": row.name,
        "contact": (row.contact or {}).get("name", "") if row.kind == "company" else "",
        "title": (row.contact or {}).get("title", ""),
        "points": [
            {
                "kind": p["kind"],
                "label": p["label"],
                "value": p["value"],
                "normalized": p["normalized"],
                "is_valid": p["is_valid"],
            }
            for p in row.points
        ],
        "fields": {
            str(mappings.CUSTOMER_TARGETS.get(f"customer.{key}", key)): options.get(key, {}).get(str(value), str(value))
            for key, value in customer.items()
            if key not in ("name", "name_pinyin", "name_initials", "custom") and value
        },
        "custom": {
            (definitions[key].label if key in definitions else key): (
                custom_fields.display_value(definitions[key], value) if key in definitions else str(value)
            )
            for key, value in custom.items()
        },
        "tags": row.tags,
        "problems": [problem.message for problem in row.problems],
    }


# --- running ---------------------------------------------------------------------------------------------------------


def import_start(
    *, actor: User, job: ImportJob, wait: bool = False, checked: bool = True,
    progress: Callable[[ImportJob], None] | None = None,
) -> ImportJob:  # fmt: skip
    """Queue the import; ``wait`` runs it at once. Pages and API start only checked imports (``checked``); the
    command line may go straight on, reporting each row's problems as the run meets them."""
    _require_author(actor, job)
    _require_importer(actor)
    if job.status == ImportJob.Status.UPLOADED and checked:
        raise Conflict(_("Check the file before importing it."))
    if job.status not in (ImportJob.Status.VALIDATED, ImportJob.Status.UPLOADED):
        raise Conflict(_("This import has already started."))
    mappings.clean_mapping(actor, job.headers, job.mapping)
    job.status = ImportJob.Status.QUEUED
    job.heartbeat_at = timezone.now()
    job.rows_done = 0
    job.save(update_fields=["status", "heartbeat_at", "rows_done"])
    record_event(
        action=AuditEvent.Action.IMPORT, actor=actor, target=job,
        details={"file": job.original_name, "rows": job.total_rows, "on_duplicate": job.on_duplicate},
    )  # fmt: skip
    if wait:
        return import_run(job.pk, progress=progress)
    from kelu.transfer.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def _claim(job_id: int) -> tuple[ImportJob, str] | None:
    """Take the job for this run, unless another run is alive (its heartbeat is recent)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING, ImportJob.Status.CANCELLING):
            return None
        alive = job.runner and job.heartbeat_at and now - job.heartbeat_at < STALE_AFTER
        if job.status == ImportJob.Status.RUNNING and alive:
            return None
        job.runner, job.heartbeat_at = token, now
        job.run_started_at, job.run_started_rows = now, job.rows_done
        job.started_at = job.started_at or now
        if job.status == ImportJob.Status.QUEUED:
            job.status = ImportJob.Status.RUNNING
        job.save()
    return job, token


def import_run(
    job_id: int, *, progress: Callable[[ImportJob], None] | None = None, max_batches: int | None = None
) -> ImportJob:
    """Write the file from the last checkpoint on, batch by batch, until done or cancelled.

    With ``max_batches`` the run lets go of the job after that many batches, to be resumed by the next run.
    """
    claimed = _claim(job_id)
    if claimed is None:
        return ImportJob.objects.get(pk=job_id)
    job, token = claimed
    actor = User.objects.select_related("role").get(pk=job.actor_id)
    with translation.override(actor.language or settings.LANGUAGE_CODE):
        try:
            _run(job, token, actor, progress, max_batches)
        except reading.FileProblem as problem:
            _fail(job, str(problem), runner=token)
        except Exception:
            # Not retried by the watchdog: the same error would come back. Undo removes what was written.
            _fail(job, _("The import stopped on an unexpected error."), runner=token)
            raise
    job.refresh_from_db()
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.CANCELLED, ImportJob.Status.FAILED):
        # The rows left out are kept with the batches; the file itself is not needed any more.
        path_of(job).unlink(missing_ok=True)
        record_event(
            action=AuditEvent.Action.IMPORT, actor=actor, target=job,
            details={"file": job.original_name, "status": job.status, **job.counts()},
        )  # fmt: skip
    return job


class _LostJob(Exception):
    """Another run took the job over (this one was thought dead)."""


def _run(
    job: ImportJob, token: str, actor: User, progress: Callable[[ImportJob], None] | None, max_batches: int | None
) -> None:
    if not may_import(actor):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=_("Your role may not import."), finished_at=timezone.now()
        )
        return
    plan = _plan(job, actor)
    context = Context(job, actor)
    parallel = (job.total_rows or 0) - job.rows_done >= PARALLEL_FROM or job.size > PARALLEL_FROM_BYTES
    rows = prepared_rows(job, plan, skip=job.rows_done, parallel=parallel)
    written = 0
    while True:
        if max_batches is not None and written >= max_batches:
            rows.close()
            ImportJob.objects.filter(pk=job.pk, runner=token).update(runner="")
            return
        batch = list(islice(rows, BATCH))
        if not batch:
            break
        try:
            with transaction.atomic():
                current = ImportJob.objects.select_for_update().get(pk=job.pk)
                if current.runner != token:
                    raise _LostJob
                if current.status == ImportJob.Status.CANCELLING:
                    current.status, current.finished_at = ImportJob.Status.CANCELLED, timezone.now()
                    current.save(update_fields=["status", "finished_at"])
                    rows.close()
                    return
                result = process_batch(context, batch)
                ImportBatch.objects.create(
                    job=current, number=current.batches_done + 1, rows=len(batch), created_ids=result.created_ids,
                    updates=result.updates, outcomes=result.outcomes,
                )  # fmt: skip
                current.batches_done += 1
                current.rows_done += len(batch)
                current.created += result.created
                current.updated += result.updated
                current.skipped += result.skipped
                current.failed += result.failed
                current.total_rows = max(current.total_rows, current.rows_done)
                current.heartbeat_at = timezone.now()
                current.save()
        except _LostJob:
            rows.close()
            return
        job = current
        written += 1
        if progress:
            progress(job)
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        if current.runner != token:
            return
        current.status = (
            ImportJob.Status.DONE if current.status != ImportJob.Status.CANCELLING else ImportJob.Status.CANCELLED
        )
        current.total_rows = current.rows_done
        current.finished_at = current.heartbeat_at = timezone.now()
        current.save()
    if progress:
        progress(current)


def import_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    """Stop after the batch being written; what was written stays (and can be undone)."""
    _require_author(actor, job)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportJob.Status.QUEUED:
            job.status, job.finished_at = ImportJob.Status.CANCELLED, timezone.now()
        elif job.status == ImportJob.Status.RUNNING:
            job.status = ImportJob.Status.CANCELLING
        elif job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED, ImportJob.Status.VALIDATING):
            job.status, job.finished_at = ImportJob.Status.CANCELLED, timezone.now()
        else:
            raise Conflict(_("This import is not running."))
        job.save(update_fields=["status", "finished_at"])
    return job


def resume_stalled() -> list[int]:
    """Queue again the imports (and undos, checks) whose run died: their worker was killed or restarted."""
    from kelu.transfer.tasks import run_import, undo_import, validate_import

    cutoff = timezone.now() - STALE_AFTER
    resumed = []
    stalled = ImportJob.objects.filter(status__in=ImportJob.ACTIVE, heartbeat_at__lt=cutoff)
    for job in stalled:
        tasks = {ImportJob.Status.VALIDATING.value: validate_import, ImportJob.Status.UNDOING.value: undo_import}
        task = tasks.get(job.status, run_import)
        # Released and marked as seen, so that a worker busy elsewhere does not get the same job queued every minute.
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now(), runner="")
        task.enqueue(job.pk)
        resumed.append(job.pk)
    return resumed


def abandoned_uploads_remove() -> int:
    """Files uploaded but never imported are removed after ABANDONED_AFTER, with their imports."""
    abandoned = ImportJob.objects.filter(
        status__in=(ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED),
        created_at__lt=timezone.now() - ABANDONED_AFTER,
    )
    count = 0
    for job in abandoned:
        path_of(job).unlink(missing_ok=True)
        job.delete()
        count += 1
    return count


# --- undo ------------------------------------------------------------------------------------------------------------


def import_undo(*, actor: User, job: ImportJob, wait: bool = False) -> ImportJob:
    """Remove what the import created and put back what it changed (in the background unless ``wait``)."""
    _require_author(actor, job)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in (ImportJob.Status.DONE, ImportJob.Status.CANCELLED, ImportJob.Status.FAILED):
            raise Conflict(_("Only a finished or stopped import can be undone."))
        if not job.batches_done:
            raise Conflict(_("This import wrote nothing; there is nothing to undo."))
        job.status, job.heartbeat_at = ImportJob.Status.UNDOING, timezone.now()
        job.save(update_fields=["status", "heartbeat_at"])
    record_event(action=AuditEvent.Action.IMPORT, actor=actor, target=job,
                 details={"file": job.original_name, "undo": True})  # fmt: skip
    if wait:
        return import_undo_run(job.pk)
    from kelu.transfer.tasks import undo_import

    transaction.on_commit(lambda: undo_import.enqueue(job.pk))
    return job


def import_undo_run(job_id: int) -> ImportJob:
    """Undo batch by batch, newest first; each undone batch is deleted, so a killed undo resumes where it stopped."""
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if job.status != ImportJob.Status.UNDOING:
        return job
    actor = job.actor
    batches = ImportBatch.objects.filter(job=job)
    # A record the import created and a later row of the same import updated is simply deleted, if nobody changed
    # it after the import: the version the import left it at is the one to find.
    left_at: dict[int, int] = {}
    for updates in batches.exclude(updates={}).values_list("updates", flat=True).iterator():
        for pk, previous in updates.items():
            left_at[int(pk)] = max(left_at.get(int(pk), 0), previous["version"])
    created_and_updated: set[int] = set()
    if left_at:
        for created in batches.values_list("created_ids", flat=True).iterator():
            created_and_updated.update(pk for pk in created if pk in left_at)
    with translation.override(actor.language or settings.LANGUAGE_CODE):
        for batch in batches.order_by("-number").iterator(chunk_size=10):
            with transaction.atomic():
                left: list[dict[str, Any]] = []
                reverted: list[int] = []
                for pk, previous in batch.updates.items():
                    if int(pk) in created_and_updated:
                        continue
                    reason = undo_update(actor, int(pk), previous)
                    if reason:
                        left.append({"id": int(pk), "name": _customer_name(int(pk)), "reason": reason})
                    else:
                        reverted.append(int(pk))
                if reverted:
                    after_batch_written(created_ids=[], updated_ids=reverted)
                for start in range(0, len(batch.created_ids), 500):
                    left += delete_created(batch.created_ids[start : start + 500], left_at)
                current = ImportJob.objects.select_for_update().get(pk=job.pk)
                current.undo_report = (current.undo_report + left)[:1000]
                current.heartbeat_at = timezone.now()
                current.save(update_fields=["undo_report", "heartbeat_at"])
                batch.delete()
    job.refresh_from_db()
    job.status, job.undone_at = ImportJob.Status.UNDONE, timezone.now()
    job.save(update_fields=["status", "undone_at"])
    return job


def _customer_name(pk: int) -> str:
    from kelu.customers.models import Customer

    return Customer.objects.filter(pk=pk).values_list("name", flat=True).first() or f"#{pk}"


# --- results ---------------------------------------------------------------------------------------------------------


def left_out_rows(job: ImportJob, *, statuses: tuple[str, ...] = ("failed", "skipped")) -> Iterator[dict[str, Any]]:
    for outcomes in ImportBatch.objects.filter(job=job).order_by("number").values_list("outcomes", flat=True):
        for outcome in outcomes:
            if outcome["status"] in statuses:
                yield outcome


def failed_rows_csv(job: ImportJob) -> Iterator[bytes]:
    """The rows that were not imported, as they were in the file, with the reason; UTF-8 with BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Status"), _("Reason"), *job.headers])
    statuses = {"failed": _("Failed"), "skipped": _("Skipped")}
    first = True
    for count, outcome in enumerate(left_out_rows(job), start=1):
        writer.writerow([outcome["row"], statuses[outcome["status"]], safe_cell(outcome["reason"]),
                         *(safe_cell(value) for value in outcome["values"])])  # fmt: skip
        if count % 1000 == 0:
            yield _encoded(buffer, first)
            first = False
    yield _encoded(buffer, first)


def _encoded(buffer: io.StringIO, first: bool) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8-sig" if first else "utf-8")


def imports_visible_to(user: User) -> Any:
    """Imports are their author's; administrators see all."""
    jobs = ImportJob.objects.select_related("actor")
    return jobs if user.role_id == Role.Key.ADMIN else jobs.filter(actor=user)


def chunks_of(handle: Any, size: int = 1024 * 1024) -> Iterator[bytes]:
    if hasattr(handle, "chunks"):
        yield from handle.chunks(size)
        return
    while chunk := handle.read(size):
        yield chunk
