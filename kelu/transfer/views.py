"""Import pages: upload, reading options and mapping, the check and preview, progress, result and undo."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from kelu.accounts.http import AuthenticatedRequest
from kelu.accounts.models import User
from kelu.core import permissions
from kelu.core.errors import Conflict
from kelu.transfer import mapping as mappings
from kelu.transfer import reading, services
from kelu.transfer.models import ImportJob, SavedMapping
from kelu.transfer.preparing import FLAG, FLAG_MEANS, PROBLEM_CLASSES, SKIP


def _require_importer(request: AuthenticatedRequest) -> None:
    if not services.may_import(request.user):
        raise PermissionDenied(_("Your role may not import."))


def _job(request: AuthenticatedRequest, pk: int) -> ImportJob:
    """An import is its author's (administrators see all); anyone else gets 404."""
    return get_object_or_404(services.imports_visible_to(request.user), pk=pk)


def _errors(error: ValidationError | Conflict | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    return [getattr(error, "message", None) or str(error)]


@require_safe
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    _require_importer(request)
    jobs = services.imports_visible_to(request.user).filter(actor=request.user)[:50]
    context = {"jobs": jobs, "max_mb": settings.KELU_IMPORT_MAX_BYTES // (1024 * 1024),
               "extensions": ",".join(sorted(reading.EXTENSIONS))}  # fmt: skip
    return render(request, "transfer/list.html", context)


class UploadLimit(FileUploadHandler):
    """Stops reading an upload as soon as it passes the size limit, instead of spooling all of it to disk first."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.KELU_IMPORT_MAX_BYTES:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt  # checked below, once the size limit is in place (the CSRF check reads the body)
@require_POST
def import_upload(request: AuthenticatedRequest) -> HttpResponse:
    limit = UploadLimit(request)
    request.upload_handlers = [limit, *request.upload_handlers]
    return _import_upload(request, limit)


@csrf_protect
def _import_upload(request: AuthenticatedRequest, limit: UploadLimit) -> HttpResponse:
    _require_importer(request)
    errors: list[str] = []
    upload = request.FILES.get("file")  # parses the body, under the size limit
    if limit.exceeded:
        errors = [services.too_large_message()]
    elif not isinstance(upload, UploadedFile):
        errors = [_("Choose a file to import.")]
    else:
        try:
            job = services.import_upload(actor=request.user, name=upload.name or "", chunks=upload.chunks())
        except ValidationError as error:
            errors = _errors(error)
        else:
            return redirect("transfer:detail", pk=job.pk)
    for message in errors:
        messages.error(request, message)
    return redirect("transfer:list")


def _context(request: AuthenticatedRequest, job: ImportJob, **extra: Any) -> dict[str, Any]:
    sample = job.layout.get("sample", [])
    columns = [
        {
            "index": index,
            "header": header,
            "entry": entry,
            "samples": [row[index] for row in sample if index < len(row)],
        }
        for index, (header, entry) in enumerate(zip(job.headers, job.mapping, strict=False))
    ]
    report = job.report or {}
    problems = [
        {"code": code, "label": label, "count": report.get("problems", {}).get(code, 0),
         "rows": report.get("rows_with", {}).get(code, 0), "flag_means": FLAG_MEANS[code],
         "choice": job.problem_choices.get(code, FLAG)}
        for code, label in PROBLEM_CLASSES.items()
    ]  # fmt: skip
    allowed = permissions.assignable_owner_ids(request.user)
    owners = User.objects.filter(is_active=True)
    if allowed is not None:
        owners = owners.filter(pk__in=allowed)
    return {
        "job": job,
        "layout": job.layout,
        "columns": columns,
        "targets": mappings.target_choices(),
        "point_targets": ("phone", "email"),
        "encodings": reading.ENCODINGS,
        "problems": problems,
        "any_problem": any(p["count"] for p in problems),
        "report": report,
        "on_duplicate": ImportJob.OnDuplicate.choices,
        "owners": owners.order_by("username") if allowed is None or len(allowed) > 1 else [],
        "saved": SavedMapping.objects.filter(owner=request.user),
        "editable": job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED),
        "undoable": job.status in (ImportJob.Status.DONE, ImportJob.Status.CANCELLED, ImportJob.Status.FAILED)
        and job.batches_done > 0,
        "left_out": list(services.left_out_rows(job))[:50] if job.status in _FINISHED else [],
        **extra,
    }


_FINISHED = (ImportJob.Status.DONE, ImportJob.Status.CANCELLED, ImportJob.Status.FAILED, ImportJob.Status.UNDONE)


@require_safe
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The import's page: mapping, then the check's preview, then progress (polled by htmx), then the result."""
    job = _job(request, pk)
    if request.htmx and request.htmx.target == "import-progress":
        if not job.is_active:  # finished: the whole page changes (result, undo), not only the bar
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "transfer/job.html#progress", _context(request, job))
    return render(request, "transfer/job.html", _context(request, job))


@require_POST
def import_layout(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    data = request.POST
    header_row = data.get("header_row", "")
    try:
        services.import_set_layout(
            actor=request.user, job=job, encoding=data.get("encoding") or None,
            delimiter=data.get("delimiter") or None, sheet=data.get("sheet") or None,
            header_row=int(header_row) - 1 if header_row.strip().isdigit() else None,
        )  # fmt: skip
    except (ValidationError, Conflict, PermissionDenied) as error:
        for message in _errors(error):
            messages.error(request, message)
    return redirect("transfer:detail", pk=job.pk)


@require_POST
def import_mapping(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Save the mapping (and optionally keep it under a name), then run the check."""
    job = _job(request, pk)
    data = request.POST
    entries = []
    for index in range(len(job.headers)):
        entry: dict[str, Any] = {"target": data.get(f"target_{index}", mappings.IGNORE),
                                 "label": data.get(f"label_{index}", "")}  # fmt: skip
        old = job.mapping[index] if index < len(job.mapping) else {}
        if old.get("label_column") is not None:
            entry["label_column"] = old["label_column"]
        entries.append(entry)
    owner = data.get("default_owner", "")
    try:
        job = services.import_set_mapping(
            actor=request.user, job=job, mapping=entries, default_owner=int(owner) if owner.isdigit() else None
        )
        if data.get("save_as", "").strip():
            services.mapping_save(actor=request.user, job=job, name=data["save_as"])
        services.import_validate(actor=request.user, job=job)
    except (ValidationError, Conflict, PermissionDenied) as error:
        for message in _errors(error):
            messages.error(request, message)
    return redirect("transfer:detail", pk=job.pk)


@require_POST
def import_apply_mapping(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    saved = get_object_or_404(SavedMapping, pk=request.POST.get("saved", 0) or 0, owner=request.user)
    try:
        services.mapping_apply(actor=request.user, job=job, saved=saved)
    except (ValidationError, Conflict, PermissionDenied) as error:
        for message in _errors(error):
            messages.error(request, message)
    return redirect("transfer:detail", pk=job.pk)


@require_POST
def import_start(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    data = request.POST
    choices = {code: data[f"problem_{code}"] for code in PROBLEM_CLASSES if data.get(f"problem_{code}") in (FLAG, SKIP)}
    try:
        if job.status != ImportJob.Status.VALIDATED:
            raise Conflict(_("Check the file before importing it."))
        job = services.import_set_mapping(
            actor=request.user, job=job, mapping=None, on_duplicate=data.get("on_duplicate") or None,
            problem_choices=choices,
        )  # fmt: skip
        services.import_start(actor=request.user, job=job)
    except (ValidationError, Conflict, PermissionDenied) as error:
        for message in _errors(error):
            messages.error(request, message)
    return redirect("transfer:detail", pk=job.pk)


@require_POST
def import_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        services.import_cancel(actor=request.user, job=job)
    except (Conflict, PermissionDenied) as error:
        messages.error(request, _errors(error)[0])
    return redirect("transfer:detail", pk=job.pk)


@require_POST
def import_undo(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        services.import_undo(actor=request.user, job=job)
    except (Conflict, PermissionDenied) as error:
        messages.error(request, _errors(error)[0])
    return redirect("transfer:detail", pk=job.pk)


def failed_rows_response(job: ImportJob) -> StreamingHttpResponse:
    response = StreamingHttpResponse(services.failed_rows_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kelu-import-{job.pk}-rows-left-out.csv"'
    return response


@require_safe
def import_failed_rows(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    return failed_rows_response(_job(request, pk))
