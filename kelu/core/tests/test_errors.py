"""Errors reach API clients as RFC 9457 problem+json and people as pages; never as a stack trace."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from kelu.core.errors import Conflict, problem_exception_handler
from kelu.core.tests.failing_urls import SECRET

PROBLEM = "application/problem+json"


def test_unknown_api_url_gets_404_problem(owner_api):
    response = owner_api.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)
    assert response.json() == {"type": "about:blank", "title": "Not found", "status": 404}


def test_unknown_page_gets_the_404_page(owner_client):
    response = owner_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "404.html" in [t.name for t in response.templates]


@pytest.mark.urls("kelu.core.tests.failing_urls")
def test_api_crash_gets_500_problem_without_details(owner, bearer_client):
    client = bearer_client(owner)
    client.raise_request_exception = False
    response = client.get("/api/v1/crash/")
    assert (response.status_code, response["Content-Type"]) == (500, PROBLEM)
    assert response.json()["status"] == 500
    assert SECRET not in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.urls("kelu.core.tests.failing_urls")
def test_page_crash_gets_the_500_page_without_details(owner):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = client.get("/crash/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert SECRET not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_api_request_for_a_foreign_host_gets_400_problem(owner_api):
    response = owner_api.get("/api/v1/users/me/", HTTP_HOST="evil.example")
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)


def test_page_request_for_a_foreign_host_gets_the_400_page(client, db):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_session_api_write_without_csrf_token_gets_403_problem(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.patch("/api/v1/users/me/", {"language": "en"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response["Content-Type"]) == (403, PROBLEM)
    assert "CSRF" in response.json()["detail"]


def test_bearer_token_write_needs_no_csrf_token(owner, token_for):
    _token, raw = token_for(owner)
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.patch("/api/v1/users/me/", {"language": "en"}, format="json").status_code == 200


def test_django_validation_error_from_a_service_becomes_400_with_field_messages():
    response = problem_exception_handler(ValidationError({"name": ["Too long.", "Taken."]}), {})
    assert response is not None
    assert (response.status_code, response.content_type) == (400, PROBLEM)
    assert response.data["errors"] == {"name": ["Too long.", "Taken."]}


def test_validation_error_of_no_field_goes_under_non_field_errors():
    response = problem_exception_handler(ValidationError("Nothing to merge."), {})
    assert response is not None
    assert response.data["errors"] == {"non_field_errors": ["Nothing to merge."]}


def test_conflict_becomes_409_with_the_current_version():
    response = problem_exception_handler(Conflict("Changed meanwhile.", current_version=7), {})
    assert response is not None
    assert response.status_code == 409
    assert (response.data["detail"], response.data["current_version"]) == ("Changed meanwhile.", 7)


def test_unexpected_exception_is_left_to_the_500_handler():
    assert problem_exception_handler(RuntimeError("boom"), {}) is None
