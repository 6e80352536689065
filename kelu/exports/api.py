"""API of exports: start one (finished at once when small), follow it, download the file."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.core.api import StrictInput, acting_user
from kelu.customers.filters import filter_params, params_of
from kelu.exports import services
from kelu.exports.models import ExportJob
from kelu.exports.views import file_response


class ExportInput(StrictInput):
    format = serializers.ChoiceField(choices=ExportJob.Format.choices, default="csv")
    encoding = serializers.ChoiceField(choices=[("utf-8", "UTF-8"), ("gbk", "GBK")], default="utf-8")
    columns = serializers.ListField(child=serializers.CharField(), required=False, help_text=_("Column keys."))
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, help_text=_("Only these customers."))
    q = serializers.CharField(required=False, max_length=200, help_text=_("The list's text query."))
    filters = serializers.DictField(
        required=False,
        help_text=_('The list\'s filters in its filter language, e.g. {"level": ["a"], "tag": ["vip"]}.'),
    )


class ExportOutput(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "format", "encoding", "columns", "selection", "status", "rows", "created_at", "finished_at",
                  "download"]  # fmt: skip

    def get_download(self, job: ExportJob) -> str | None:
        return f"/api/v1/exports/{job.pk}/download/" if job.status == ExportJob.Status.DONE else None


@extend_schema(request=ExportInput, responses={201: ExportOutput})
@api_view(["POST"])
def export_create(request: Request) -> Response:
    """Export customers you can see; large exports finish in the background (poll the returned export)."""
    data = ExportInput(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    selection = {key: values[key] for key in ("ids", "q") if values.get(key)}
    if values.get("filters"):
        selection["filters"] = filter_params(params_of(values["filters"]))
    job = services.export_create(
        actor=acting_user(request), format=values["format"], encoding=values["encoding"],
        columns=values.get("columns"), selection=selection,
    )  # fmt: skip
    return Response(ExportOutput(job).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=ExportOutput)
@api_view(["GET"])
def export_detail(request: Request, pk: int) -> Response:
    return Response(ExportOutput(get_object_or_404(ExportJob, pk=pk, actor=acting_user(request))).data)


@extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
@api_view(["GET"])
def export_download(request: Request, pk: int) -> FileResponse:
    return file_response(get_object_or_404(ExportJob, pk=pk, actor=acting_user(request)))
