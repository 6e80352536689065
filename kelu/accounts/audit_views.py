"""The audit log for administrators: a page with filters and keyset paging, and the same under the API."""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.accounts.http import AuthenticatedRequest
from kelu.accounts.models import AuditEvent
from kelu.accounts.selectors import audit_events
from kelu.core.api import CursorPagination, acting_user

PAGE = 100


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None and (day := parse_date(text)):
        moment = datetime(day.year, day.month, day.day)
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _filtered(params: Any) -> Any:
    return audit_events(
        actor=params.get("actor", ""),
        action=params.get("action", ""),
        target=params.get("target", ""),
        since=_moment(params.get("since")),
        until=_moment(params.get("until")),
    )


@require_safe
def audit_log(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.is_admin:
        raise PermissionDenied(_("Only administrators may read the audit log."))
    events = _filtered(request.GET)
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(pk__lt=int(before))
    rows = list(events.order_by("-id")[: PAGE + 1])
    context = {
        "events": rows[:PAGE],
        "next_before": rows[PAGE - 1].pk if len(rows) > PAGE else None,
        "actions": AuditEvent.Action.choices,
        "params": request.GET,
    }
    return render(request, "settings/audit.html", context)


class AuditEventOutput(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "actor_name", "action", "ip", "user_agent", "target_type", "target_id",
                  "target_repr", "details"]  # fmt: skip


class AuditPagination(CursorPagination):
    ordering = "-id"


@extend_schema(
    responses=AuditEventOutput(many=True),
    parameters=[
        OpenApiParameter("actor", str, description="User name."),
        OpenApiParameter("action", str, enum=AuditEvent.Action.values),
        OpenApiParameter("target", str, description="`app.model` or `app.model:id`, e.g. `customers.customer:42`."),
        OpenApiParameter("since", str, description="ISO date or time."),
        OpenApiParameter("until", str, description="ISO date or time."),
    ],
)
@api_view(["GET"])
def audit_api(request: Request) -> Response:
    """The audit log (administrators only), newest first, with cursor pagination."""
    if not acting_user(request).is_admin:
        raise ApiPermissionDenied(_("Only administrators may read the audit log."))
    paginator = AuditPagination()
    page = paginator.paginate_queryset(_filtered(request.query_params), request)
    return paginator.get_paginated_response(AuditEventOutput(page, many=True).data)
