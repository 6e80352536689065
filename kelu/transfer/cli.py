"""`kelu import`: the web import's engine driven from the command line, with a progress bar on a terminal."""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from kelu.accounts.models import Role, User
from kelu.core.errors import Conflict
from kelu.transfer import services
from kelu.transfer.models import ImportJob
from kelu.transfer.preparing import PROBLEM_CLASSES, SKIP


class ImportCommandError(ValidationError):
    pass


def _user(username: str | None) -> User:
    users = User.objects.filter(is_active=True).select_related("role")
    user = users.filter(username=username).first() if username else users.filter(role_id=Role.Key.ADMIN).first()
    if user is None:
        raise ImportCommandError(f"no active user named {username!r}" if username else "no active administrator")
    return user


def _mapping(job: ImportJob, path: str) -> list[Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImportCommandError(f"cannot read the mapping {path}: {error}") from None
    if isinstance(data, dict):  # {"column header": "target" | {"target": ..., "label": ...}}
        return [data.get(header, "ignore") for header in job.headers]
    return list(data)


def run_import_command(args: argparse.Namespace, *, show_progress: bool) -> tuple[dict[str, Any], str]:
    try:
        return _run(args, show_progress=show_progress)
    except (PermissionDenied, Conflict) as error:
        raise ImportCommandError(getattr(error, "message", None) or str(error)) from None


def _run(args: argparse.Namespace, *, show_progress: bool) -> tuple[dict[str, Any], str]:
    actor = _user(args.user)
    source = Path(args.file)
    if not source.is_file():
        raise ImportCommandError(f"no file {args.file}")
    with source.open("rb") as handle:
        job = services.import_upload(actor=actor, name=source.name, chunks=services.chunks_of(handle))
    try:
        if args.encoding or args.sheet:
            job = services.import_set_layout(actor=actor, job=job, encoding=args.encoding, sheet=args.sheet)
        owner = _user(args.owner).pk if args.owner else None
        mode = "fill" if args.on_duplicate == "update" else args.on_duplicate
        choices = dict.fromkeys(PROBLEM_CLASSES, SKIP) if args.skip_problems else None
        mapping = _mapping(job, args.mapping) if args.mapping else job.mapping
        job = services.import_set_mapping(
            actor=actor, job=job, mapping=mapping, on_duplicate=mode, problem_choices=choices, default_owner=owner
        )
        if args.dry_run:
            job = services.import_validate(actor=actor, job=job, wait=True)
            return _dry_run_report(job)
        if show_progress:
            _estimate_rows(job)
        job = services.import_start(
            actor=actor, job=job, wait=True, checked=False, progress=_bar() if show_progress else None
        )
    finally:
        if args.dry_run:  # a check leaves nothing behind
            services.path_of(job).unlink(missing_ok=True)
            job.delete()
    if show_progress:
        print(file=sys.stderr)
    data = {"id": job.pk, "status": job.status, "rows": job.rows_done, **job.counts()}
    if job.error:
        data["error"] = job.error
    text = (
        f"Imported {job.original_name}: {job.created:,} created, {job.updated:,} updated, {job.skipped:,} skipped, "
        f"{job.failed:,} failed ({job.rows_done:,} rows; import #{job.pk})."
    )
    if job.skipped or job.failed:
        text += f"\nThe rows left out, with the reason: /import/{job.pk}/failed.csv (or the import's page)."
    if job.status == ImportJob.Status.FAILED:
        raise ImportCommandError(job.error or "the import failed")
    return data, text


def _dry_run_report(job: ImportJob) -> tuple[dict[str, Any], str]:
    report = job.report
    data = {
        "dry_run": True, "rows": report.get("rows", 0), "created": 0, "updated": 0, "skipped": 0, "failed": 0,
        "problems": report.get("problems", {}), "rows_without_name": report.get("fatal", 0),
        "duplicates_in_file": report.get("duplicates_in_file", 0),
        "duplicates_existing": report.get("duplicates_existing", 0), "sample": report.get("sample", [])[:20],
    }  # fmt: skip
    lines = [f"Checked {data['rows']:,} rows of {job.original_name}; nothing was written."]
    lines += [f"  {PROBLEM_CLASSES[code]}: {count:,}" for code, count in data["problems"].items() if count]
    lines.append(f"  rows without a name: {data['rows_without_name']:,}")
    lines.append(f"  duplicates within the file: {data['duplicates_in_file']:,}, of existing customers: "
                 f"{data['duplicates_existing']:,}")  # fmt: skip
    return data, "\n".join(lines)


def _estimate_rows(job: ImportJob) -> None:
    """For the progress bar of a text file not checked first: its line count (a cell holding a line break makes it a
    little high; the bar then ends at the real count)."""
    if job.layout.get("kind") != "csv" or job.layout.get("encoding", "").startswith("utf-16"):
        return
    lines = 0
    with services.path_of(job).open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            lines += chunk.count(b"\n")
    job.total_rows = max(lines - job.layout.get("header_row", 0) - 1, 0)
    job.save(update_fields=["total_rows"])


def _bar() -> Any:
    started = time.monotonic()
    shown = 0.0

    def progress(job: ImportJob) -> None:
        nonlocal shown
        now = time.monotonic()
        if now - shown < 0.3 and job.status == ImportJob.Status.RUNNING:
            return
        shown = now
        rate = job.rows_done / max(now - started, 1e-9)
        width = 30
        if job.total_rows:
            filled = int(width * min(job.rows_done / job.total_rows, 1))
            bar = "#" * filled + "-" * (width - filled)
            eta = (job.total_rows - job.rows_done) / rate if rate else 0
            text = f"\r[{bar}] {job.rows_done:,}/{job.total_rows:,} rows, {rate:,.0f} rows/s, ETA {eta:,.0f} s "
        else:
            text = f"\r{job.rows_done:,} rows, {rate:,.0f} rows/s "
        print(text, end="", file=sys.stderr, flush=True)

    return progress
