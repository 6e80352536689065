from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kelu.accounts.http import AuthenticatedRequest
from kelu.core import health
from kelu.core.errors import problem_response


@require_safe
def home(request: AuthenticatedRequest) -> HttpResponse:
    from kelu.customers import selectors

    customers = selectors.customers_visible_to(request.user)
    context = {
        "mine": customers.filter(owner=request.user).count(),
        "pool": customers.filter(owner__isnull=True).count(),
        "recent": customers.select_related("owner").order_by("-updated_at")[:8],
    }
    return render(request, "core/home.html", context)


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    database = health.database_status()
    queue = health.queue_status() if database["status"] == "ok" else {"status": "unknown"}
    healthy = database["status"] == "ok" and queue["status"] == "ok"
    body = {"status": "ok" if healthy else "error", "database": database, "queue": queue}
    return JsonResponse(body, status=200 if healthy else 503)


def _wants_problem(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _error_page(request: HttpRequest, status: int, template: str) -> HttpResponse:
    if _wants_problem(request):
        return problem_response(status)
    return render(request, template, status=status)


@login_not_required
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, "400.html")


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, "403.html")


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "404.html")


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_problem(request):
        return problem_response(500)
    # No context processors: the failure may lie in them.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
