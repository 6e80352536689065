"""The project's URLs plus a page and an API endpoint that crash, to see what a client gets on a server error."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from kelu import urls

SECRET = "secret internals of the crash"


@api_view(["GET"])
def api_crash(request: Request) -> Response:
    raise RuntimeError(SECRET)


def page_crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


urlpatterns = [path("api/v1/crash/", api_crash), path("crash/", page_crash), *urls.urlpatterns]
handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
