"""Export pages: choose format, encoding and columns for the current list or selection; follow and download."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kelu.accounts.http import AuthenticatedRequest
from kelu.customers.filters import filter_params, params_of
from kelu.exports import columns as export_columns
from kelu.exports import services
from kelu.exports.models import ExportJob

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "vcf": "text/vcard; charset=utf-8",
}


EXPORT_FIELDS = {"ids", "format", "encoding", "columns", "csrfmiddlewaretoken"}


def _selection(data: Any) -> dict[str, Any]:
    """Ticked ids, or the list's state: its text query and its filters (the list's own parameters)."""
    selection: dict[str, Any] = {}
    ids = [int(pk) for pk in data.getlist("ids") if pk.isdigit()]
    if ids:
        selection["ids"] = ids
    if data.get("q"):
        selection["q"] = data["q"][:200]
    params = {name: values for name, values in params_of(data).items() if name not in EXPORT_FIELDS}
    list_filters = filter_params(params)
    if list_filters:
        selection["filters"] = list_filters
    return selection


@require_http_methods(["GET", "POST"])
def export_new(request: AuthenticatedRequest) -> HttpResponse:
    if not services.may_export(request.user):
        raise PermissionDenied(_("Your role may not export."))
    data = request.POST if request.method == "POST" else request.GET
    selection = _selection(data)
    errors: list[str] = []
    if request.method == "POST":
        try:
            job = services.export_create(
                actor=request.user,
                format=data.get("format", "csv"),
                encoding=data.get("encoding", "utf-8"),
                columns=data.getlist("columns"),
                selection=selection,
            )
        except ValidationError as error:
            errors = error.messages
        else:
            return redirect("exports:detail", pk=job.pk)
    try:
        count = services.selected_customers(request.user, selection)[: services.INLINE_LIMIT + 1].count()
    except ValidationError as error:
        errors, count, selection = list(dict.fromkeys([*errors, *error.messages])), 0, {}
    context = {
        "selection": selection,
        "count": count,
        "limit": services.INLINE_LIMIT,
        "columns": export_columns.available_columns(),
        "chosen": data.getlist("columns") or export_columns.DEFAULT_KEYS,
        "formats": ExportJob.Format.choices,
        "errors": errors,
    }
    return render(request, "exports/new.html", context)


def _job(request: AuthenticatedRequest, pk: int) -> ExportJob:
    """An export is its author's alone: it holds what they could see."""
    return get_object_or_404(ExportJob, pk=pk, actor=request.user)


@require_safe
def export_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    template = "exports/detail.html#status" if request.htmx else "exports/detail.html"
    return render(request, template, {"job": job})


def file_response(job: ExportJob) -> FileResponse:
    """The finished file as a download (pages and API); 404 while it is not there."""
    path = services.export_dir() / job.file_name
    if job.status != ExportJob.Status.DONE or not job.file_name or not path.exists():
        raise Http404
    response = FileResponse(path.open("rb"), as_attachment=True, filename=job.download_name)
    response["Content-Type"] = CONTENT_TYPES[job.extension]
    return response


@require_safe
def export_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    return file_response(_job(request, pk))


@require_safe
def export_list(request: AuthenticatedRequest) -> HttpResponse:
    jobs = ExportJob.objects.filter(actor=request.user)[:50]
    return render(request, "exports/list.html", {"jobs": jobs})
