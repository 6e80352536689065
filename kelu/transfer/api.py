"""API of imports: upload a file, map and check it, start, follow, stop and undo; the rows left out as CSV.

POST /imports/ (multipart ``file``) → the job with its headers and suggested mapping · POST /imports/<id>/mapping/
· POST /imports/<id>/validate/ → poll GET /imports/<id>/ until "validated"; the preview and problems are in
``report`` (also GET /imports/<id>/preview/) · POST /imports/<id>/start/ → poll for progress · POST
/imports/<id>/cancel/ · POST /imports/<id>/undo/ · GET /imports/<id>/failed-rows/ (CSV).
"""

import contextlib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.core.api import StrictInput, acting_user
from kelu.transfer import services
from kelu.transfer.models import ImportJob
from kelu.transfer.preparing import FLAG, SKIP
from kelu.transfer.views import UploadLimit, failed_rows_response


class ImportOutput(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    layout = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = ["id", "original_name", "size", "status", "layout", "headers", "mapping", "on_duplicate",
                  "problem_choices", "default_owner", "total_rows", "rows_done", "created", "updated", "skipped",
                  "failed", "progress", "report", "undo_report", "error", "created_at", "started_at", "finished_at",
                  "undone_at"]  # fmt: skip

    def get_progress(self, job: ImportJob) -> dict[str, Any]:
        return {"percent": job.percent, "rows_per_second": round(job.rate, 1), "eta_seconds": job.eta_seconds}

    def get_layout(self, job: ImportJob) -> dict[str, Any]:
        return {key: value for key, value in job.layout.items() if key != "sample"}


class LimitedMultiPartParser(MultiPartParser):
    """Multipart uploads stop being read at the import size limit."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        if request is not None:
            # Already read when a session's CSRF check came first: the size is then checked after the fact.
            with contextlib.suppress(AttributeError):
                request._request.upload_handlers = [UploadLimit(request._request), *request._request.upload_handlers]
        return super().parse(stream, media_type, parser_context)


def _may_import(request: Request) -> None:
    if not services.may_import(acting_user(request)):
        raise PermissionDenied(_("Your role may not import."))


def _job(request: Request, pk: int) -> ImportJob:
    _may_import(request)
    return get_object_or_404(services.imports_visible_to(acting_user(request)), pk=pk)


def _answer(job: ImportJob, code: int = status.HTTP_200_OK) -> Response:
    job.refresh_from_db()
    return Response(ImportOutput(job).data, status=code)


@extend_schema(
    request={"multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
    responses={201: ImportOutput, 200: ImportOutput(many=True)},
)
@api_view(["GET", "POST"])
@parser_classes([LimitedMultiPartParser])
def imports(request: Request) -> Response:
    """Your imports (GET), or upload a file to import (POST, multipart field ``file``)."""
    _may_import(request)
    user = acting_user(request)
    if request.method == "GET":
        return Response(ImportOutput(services.imports_visible_to(user).filter(actor=user)[:100], many=True).data)
    upload = request.FILES.get("file")  # parses the body: the size limit is in place from here on
    limit = next((h for h in request.upload_handlers if isinstance(h, UploadLimit)), None)
    if (limit is not None and limit.exceeded) or (upload is not None and upload.size > settings.KELU_IMPORT_MAX_BYTES):
        raise DRFValidationError({"file": [services.too_large_message()]})
    if upload is None:
        raise DRFValidationError({"file": [_("Send the file in the multipart field “file”.")]})
    job = services.import_upload(actor=user, name=upload.name or "", chunks=upload.chunks())
    return _answer(job, status.HTTP_201_CREATED)


@extend_schema(responses=ImportOutput)
@api_view(["GET"])
def import_detail(request: Request, pk: int) -> Response:
    """Status, progress (rows done, rows/s, ETA), counts and, once checked, the preview and problems."""
    return _answer(_job(request, pk))


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
def import_preview(request: Request, pk: int) -> Response:
    """The check's result: first rows as they will be stored, problems per class, sample problems, duplicates."""
    job = _job(request, pk)
    return Response({"status": job.status, **job.report})


class LayoutInput(StrictInput):
    encoding = serializers.CharField(required=False, max_length=20)
    delimiter = serializers.CharField(required=False, max_length=3)
    sheet = serializers.CharField(required=False, max_length=200)
    header_row = serializers.IntegerField(required=False, min_value=1, help_text=gettext_lazy("1 = the first row."))


@extend_schema(request=LayoutInput, responses=ImportOutput)
@api_view(["POST"])
@parser_classes([JSONParser])
def import_layout(request: Request, pk: int) -> Response:
    """Read the file differently: encoding, delimiter, sheet, header row."""
    job = _job(request, pk)
    data = LayoutInput(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    header_row = values.get("header_row")
    services.import_set_layout(
        actor=acting_user(request), job=job, encoding=values.get("encoding"), delimiter=values.get("delimiter"),
        sheet=values.get("sheet"), header_row=header_row - 1 if header_row else None,
    )  # fmt: skip
    return _answer(job)


class MappingInput(StrictInput):
    mapping = serializers.ListField(
        child=serializers.JSONField(), required=False,
        help_text=gettext_lazy('Per column: a target ("customer.name", "phone", "custom.customer.key", "ignore" ...) '
                               'or {"target": ..., "label": ...}.'),
    )  # fmt: skip
    on_duplicate = serializers.ChoiceField(choices=ImportJob.OnDuplicate.choices, required=False)
    problem_choices = serializers.DictField(
        child=serializers.ChoiceField(choices=[FLAG, SKIP]), required=False,
        help_text=gettext_lazy("Per problem class: flag or skip."),
    )  # fmt: skip
    default_owner = serializers.IntegerField(required=False)
    save_as = serializers.CharField(required=False, max_length=100, help_text=gettext_lazy("Keep the mapping."))


@extend_schema(request=MappingInput, responses=ImportOutput)
@api_view(["POST"])
@parser_classes([JSONParser])
def import_mapping(request: Request, pk: int) -> Response:
    """Set the mapping and the choices; problem classes: invalid_phone, invalid_email, invalid_value,
    unknown_choice, missing_required, unknown_owner."""
    job = _job(request, pk)
    data = MappingInput(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    user = acting_user(request)
    job = services.import_set_mapping(
        actor=user, job=job, mapping=values.get("mapping"), on_duplicate=values.get("on_duplicate"),
        problem_choices=values.get("problem_choices"), default_owner=values.get("default_owner"),
    )  # fmt: skip
    if values.get("save_as"):
        services.mapping_save(actor=user, job=job, name=values["save_as"])
    return _answer(job)


@extend_schema(request=None, responses={202: ImportOutput})
@api_view(["POST"])
def import_validate(request: Request, pk: int) -> Response:
    """Check every row in the background; poll the import until its status is "validated"."""
    job = services.import_validate(actor=acting_user(request), job=_job(request, pk))
    return _answer(job, status.HTTP_202_ACCEPTED)


@extend_schema(request=MappingInput, responses={202: ImportOutput})
@api_view(["POST"])
@parser_classes([JSONParser])
def import_start(request: Request, pk: int) -> Response:
    """Start importing (optionally with the duplicate strategy and problem choices); poll the import for progress."""
    job = _job(request, pk)
    data = MappingInput(data=request.data or {})
    data.is_valid(raise_exception=True)
    values = data.validated_data
    user = acting_user(request)
    if values:
        job = services.import_set_mapping(
            actor=user, job=job, mapping=values.get("mapping"), on_duplicate=values.get("on_duplicate"),
            problem_choices=values.get("problem_choices"), default_owner=values.get("default_owner"),
        )  # fmt: skip
    job = services.import_start(actor=user, job=job)
    return _answer(job, status.HTTP_202_ACCEPTED)


@extend_schema(request=None, responses=ImportOutput)
@api_view(["POST"])
def import_cancel(request: Request, pk: int) -> Response:
    """Stop after the batch being written; what was written stays and can be undone."""
    job = services.import_cancel(actor=acting_user(request), job=_job(request, pk))
    return _answer(job)


@extend_schema(request=None, responses={202: ImportOutput})
@api_view(["POST"])
def import_undo(request: Request, pk: int) -> Response:
    """Remove what the import created and revert what it changed; records changed since are listed in undo_report."""
    job = services.import_undo(actor=acting_user(request), job=_job(request, pk))
    return _answer(job, status.HTTP_202_ACCEPTED)


@extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
@api_view(["GET"])
def import_failed_rows(request: Request, pk: int) -> StreamingHttpResponse:
    """The rows not imported, as in the file, with a status and reason column (UTF-8 with BOM)."""
    return failed_rows_response(_job(request, pk))


urlpatterns = [
    path("", imports, name="imports"),
    path("<int:pk>/", import_detail, name="imports-detail"),
    path("<int:pk>/preview/", import_preview, name="imports-preview"),
    path("<int:pk>/layout/", import_layout, name="imports-layout"),
    path("<int:pk>/mapping/", import_mapping, name="imports-mapping"),
    path("<int:pk>/validate/", import_validate, name="imports-validate"),
    path("<int:pk>/start/", import_start, name="imports-start"),
    path("<int:pk>/cancel/", import_cancel, name="imports-cancel"),
    path("<int:pk>/undo/", import_undo, name="imports-undo"),
    path("<int:pk>/failed-rows/", import_failed_rows, name="imports-failed-rows"),
]
