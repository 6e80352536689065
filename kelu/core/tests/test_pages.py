"""Pages of the core app and the API's own pages, beyond what the customers tests cover."""

import pytest


def test_home_greets_the_user(owner_client):
    response = owner_client.get("/")
    assert response.status_code == 200
    assert "王小明" in response.content.decode()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_home_rejects_other_methods(owner_client, method):
    assert getattr(owner_client, method)("/").status_code == 405


def test_openapi_schema_and_docs_are_served_to_a_logged_in_user(owner_client):
    assert owner_client.get("/api/v1/schema/").status_code == 200
    assert owner_client.get("/api/v1/docs/").status_code == 200


def test_openapi_schema_is_served_to_a_token_too(owner_api):
    response = owner_api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/users/me/" in response.json()["paths"]


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_schema_and_docs_reject_writes_with_405_problem(owner_api, path, method):
    response = getattr(owner_api, method)(path)
    assert (response.status_code, response["Content-Type"]) == (405, "application/problem+json")
