"""RFC 9457 problem details: the one error shape of the API, for DRF exceptions and Django's own error handlers."""

from http import HTTPStatus
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(status: int, detail: str = "", *, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": _title(status), "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return body


def problem_response(status: int, detail: str = "", *, errors: dict[str, Any] | None = None) -> JsonResponse:
    """A problem+json response for code outside DRF (URL resolution, Django's error handlers)."""
    return JsonResponse(
        problem_body(status, detail, errors=errors),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Views with renderers of their own (the OpenAPI schema in YAML, Swagger UI's HTML page) would render the problem
    # in their format under the problem+json label: problems are always JSON.
    request = context.get("request")
    if request is not None:
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
    if isinstance(exc, Conflict):
        body = problem_body(409, exc.message)
        if exc.current_version is not None:
            body["current_version"] = exc.current_version
        body.update(exc.details)
        return Response(body, status=409, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = exception_handler(exc, context)
    if response is None:
        return None  # An unexpected error: Django's handler500 answers with a problem too.
    if isinstance(exc, exceptions.ValidationError):
        response.data = problem_body(
            response.status_code, _("The request has invalid fields."), errors=_field_errors(exc.detail)
        )
    elif isinstance(exc, exceptions.ParseError):
        response.data = problem_body(response.status_code, _("The request body is not valid JSON."))
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = problem_body(response.status_code, str(detail))
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _field_errors(detail: Any) -> dict[str, Any]:
    """Per-field messages; errors that belong to no field go under ``non_field_errors``."""
    if isinstance(detail, dict):
        return {field: _messages(value) for field, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _messages(item) for key, item in value.items()}
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return [str(item) for item in value]
        return [_messages(item) for item in value]
    return [str(value)]


def _title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Permission denied"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
        500: _("Server error"),
    }
    return titles.get(status) or HTTPStatus(status).phrase


class Conflict(Exception):
    """A write based on a stale version of a record (HTTP 409)."""

    def __init__(self, message: str, *, current_version: int | None = None, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.current_version = current_version
        self.details = details or {}
