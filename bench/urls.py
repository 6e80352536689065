"""Kelu's URLs plus a minimal JSON view: the ceiling any page is compared with."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/ping", ping), path("", include("kelu.urls"))]
