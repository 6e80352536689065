"""Content-Security-Policy and the other protective headers are on every page."""

import pytest


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/accounts/login/", "/no-such-page/"])
def test_public_pages_carry_a_strict_csp(client, db, path):
    policy = csp(client.get(path))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


@pytest.mark.parametrize("path", ["/", "/accounts/profile/", "/accounts/password/"])
def test_pages_behind_the_login_carry_a_strict_csp(owner_client, path):
    response = owner_client.get(path)
    assert response.status_code == 200
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_only_the_api_docs_allow_inline_styles(owner_client):
    response = owner_client.get("/api/v1/docs/")
    assert response.status_code == 200
    policy = csp(response)
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]


def test_pages_cannot_be_framed_or_sniffed(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_scripts_the_csp_would_block(owner_client):
    html = owner_client.get("/accounts/profile/").content.decode()
    assert "<script>" not in html
    assert " onclick=" not in html
    assert " style=" not in html
