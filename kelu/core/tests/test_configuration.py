"""The configuration a process keeps between requests (kelu.core.configuration): read once, seen changed at once."""

import secrets

from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kelu.core.configuration import ConfigurationMiddleware, changed
from kelu.core.models import ConfigurationVersion
from kelu.customers import configuration
from kelu.customers.models import ChoiceOption, FieldDefinition


def _list_page(client, query=""):
    with CaptureQueriesContext(connection) as statements:
        page = client.get(reverse("customers:list") + query).content.decode()
    read = " ".join(statement["sql"] for statement in statements)
    return page, read


def test_a_signed_in_page_reads_the_configuration_once_per_process(admin, client_as):
    changed()  # whatever an earlier test left kept
    client = client_as(admin)
    _page, first = _list_page(client)
    _page, second = _list_page(client, "?level=a")
    assert "customers_fielddefinition" in first and "customers_choiceoption" in first
    assert "customers_fielddefinition" not in second and "customers_choiceoption" not in second


def test_a_change_is_seen_by_the_next_request(admin, client_as):
    client = client_as(admin)
    _list_page(client)
    definition = FieldDefinition.objects.create(
        entity="customer", key="region_code", type="text", label_zh="区号", show_in_list=True
    )
    page, _read = _list_page(client)
    assert "区号" in page
    definition.label_zh = "地区代码"
    definition.save()
    assert "地区代码" in _list_page(client)[0]
    definition.delete()
    assert "地区代码" not in _list_page(client)[0]
    option = ChoiceOption.objects.get(field="level", key="a")
    option.label_zh = "重点客户"
    option.save()
    assert "重点客户" in _list_page(client, "?level=a")[0]


def test_another_process_s_change_is_seen_through_the_token(admin, client_as):
    """Another web process's change reaches this one only as a new token in the database (no signal here)."""
    definition = FieldDefinition.objects.create(
        entity="customer", key="region_code", type="text", label_zh="区号", show_in_list=True
    )
    client = client_as(admin)
    assert "区号" in _list_page(client)[0]
    FieldDefinition.objects.filter(pk=definition.pk).update(label_zh="地区代码")  # as the other process wrote it
    assert "区号" in _list_page(client)[0]  # kept: this process has not seen a new token
    ConfigurationVersion.objects.filter(pk=1).update(token=secrets.randbits(62))  # the other process's signal
    assert "地区代码" in _list_page(client)[0]


def test_nothing_is_kept_outside_a_signed_in_request(admin, client_as):
    assert configuration.active_definitions("customer") == []
    FieldDefinition.objects.create(entity="customer", key="vat", type="text", label_zh="税号")
    FieldDefinition.objects.filter(key="vat").update(label_zh="增值税号")  # no signal, no new token
    assert [d.label_zh for d in configuration.active_definitions("customer")] == ["增值税号"]


def test_a_change_made_during_a_request_is_seen_by_the_rest_of_it(admin, rf):
    request = rf.get("/")
    request.user = admin
    admin.configuration_token = ConfigurationVersion.objects.get(pk=1).token

    def view(request):
        before = configuration.active_definitions("customer")
        FieldDefinition.objects.create(entity="customer", key="vat", type="text", label_zh="税号")
        return HttpResponse(f"{len(before)} {len(configuration.active_definitions('customer'))}")

    response = ConfigurationMiddleware(view)(request)
    assert isinstance(response, HttpResponse) and response.content == b"0 1"


def test_api_token_requests_read_afresh(owner, owner_api):
    FieldDefinition.objects.create(entity="customer", key="vat", type="text", label_zh="税号")
    assert (
        owner_api.post("/api/v1/customers/", {"name": "甲", "custom": {"vat": "1"}}, format="json").status_code == 201
    )
    FieldDefinition.objects.filter(key="vat").update(is_active=False)  # no signal, no new token
    response = owner_api.post("/api/v1/customers/", {"name": "乙", "custom": {"vat": "2"}}, format="json")
    assert response.status_code == 400
