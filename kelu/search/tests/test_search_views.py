"""The search API, page and header box: typed results, highlights, scope, errors, masking."""

import pytest

from kelu.customers import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_client_for(bearer_client):
    return bearer_client


@pytest.fixture
def records(owner, outsider):
    mine = services.customer_create(
        actor=owner,
        values={"name": "杭州张伟贸易有限公司"},
        contacts=[{"values": {"name": "张伟"}, "points": [{"kind": "phone", "value": "13800138000"}]}],
    )
    services.customer_create(actor=outsider, values={"name": "张伟的秘密公司"})
    return mine


def test_api_returns_typed_results_with_highlights(records, owner, api_client_for):
    response = api_client_for(owner).get("/api/v1/search/", {"q": "张伟"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert {(r["type"], r["name"]) for r in results} == {("customer", "杭州张伟贸易有限公司"), ("contact", "张伟")}
    contact = next(r for r in results if r["type"] == "contact")
    assert contact["customer"] == {"id": records.pk, "name": "杭州张伟贸易有限公司"}
    assert contact["highlight"] == "<mark>张伟</mark>"
    assert contact["matched"] == "name"
    customer = next(r for r in results if r["type"] == "customer")
    assert customer["customer"] is None
    assert customer["highlight"] == "杭州<mark>张伟</mark>贸易有限公司"


def test_api_filters_by_type_and_limits(records, owner, api_client_for):
    client = api_client_for(owner)
    assert [r["type"] for r in client.get("/api/v1/search/", {"q": "zw", "type": "contact"}).json()["results"]] == [
        "contact"
    ]
    assert len(client.get("/api/v1/search/", {"q": "张伟", "limit": 1}).json()["results"]) == 1


@pytest.mark.parametrize(
    "params", [{}, {"q": "x", "type": "deal"}, {"q": "x", "limit": 0}, {"q": "x", "limit": "many"}, {"q": "x" * 201}]
)
def test_api_answers_bad_input_with_problem_json(owner, params, api_client_for):
    response = api_client_for(owner).get("/api/v1/search/", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_api_refuses_anonymous_callers(records, api_client):
    assert api_client.get("/api/v1/search/", {"q": "张伟"}).status_code in (401, 403)


def test_outsider_finds_nothing_of_the_owners(records, outsider, api_client_for):
    results = api_client_for(outsider).get("/api/v1/search/", {"q": "张伟"}).json()["results"]
    assert [r["name"] for r in results] == ["张伟的秘密公司"]


def test_phone_digits_are_masked_for_viewers(records, viewer, api_client_for):
    results = api_client_for(viewer).get("/api/v1/search/", {"q": "0013"}).json()["results"]
    contact = next(r for r in results if r["type"] == "contact")
    assert "0013" not in contact["highlight"]


def test_search_page_lists_customers_and_contacts(records, owner_client):
    response = owner_client.get("/search/", {"q": "zhangwei"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "杭州<mark>张伟</mark>贸易有限公司" in text  # pinyin matches mark the characters they stand for
    assert "秘密" not in text


def test_header_box_renders_the_dropdown_partial(records, owner_client):
    response = owner_client.get("/search/", {"q": "8000"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text
    assert 'data-testid="search-hit"' in text
    assert "138001<mark>38000</mark>" not in text
    assert "13800<mark>138000</mark>" not in text
    assert "1380013<mark>8000</mark>" in text
    empty = owner_client.get("/search/", {"q": " "}, headers={"HX-Request": "true"})
    assert empty.content.decode().strip() == ""


def test_search_page_refuses_other_methods(owner_client):
    assert owner_client.post("/search/", {"q": "x"}).status_code == 405


def test_cli_search_and_reindex(records, capsys):
    from kelu.cli import main

    assert main(["--json", "reindex"]) == 0
    assert '"customer": 2' in capsys.readouterr().out
    assert main(["--json", "search", "张伟", "--user", "owner"]) == 0
    out = capsys.readouterr().out
    assert "杭州张伟贸易有限公司" in out and "秘密" not in out
