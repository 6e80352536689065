from kelu.customers import services
from kelu.customers.models import Tag


def test_anyone_who_writes_creates_tags(api_client, owner):
    api_client.force_authenticate(owner)
    response = api_client.post("/api/v1/tags/", {"name": "  重点  客户 ", "color": "red"}, format="json")
    assert response.status_code == 201 and response.json()["name"] == "重点 客户"


def test_a_tag_name_is_unique_whatever_its_case(api_client, owner):
    Tag.objects.create(name="VIP")
    api_client.force_authenticate(owner)
    response = api_client.post("/api/v1/tags/", {"name": "vip"}, format="json")
    assert response.status_code == 400 and "name" in response.json()["errors"]


def test_only_administrators_rename_or_delete(api_client, owner, admin):
    tag = Tag.objects.create(name="VIP")
    customer = services.customer_create(actor=owner, values={"name": "甲公司"}, tags=["VIP"])
    api_client.force_authenticate(owner)
    assert api_client.patch(f"/api/v1/tags/{tag.pk}/", {"name": "大客户"}, format="json").status_code == 403
    assert api_client.delete(f"/api/v1/tags/{tag.pk}/").status_code == 403
    api_client.force_authenticate(admin)
    response = api_client.patch(f"/api/v1/tags/{tag.pk}/", {"name": "大客户", "color": "green"}, format="json")
    assert response.status_code == 200 and response.json() == {"id": tag.pk, "name": "大客户", "color": "green"}
    assert list(customer.tags.values_list("name", flat=True)) == ["大客户"]
    assert api_client.delete(f"/api/v1/tags/{tag.pk}/").status_code == 204
    assert not customer.tags.exists()


def test_a_bad_colour_is_a_clear_error(api_client, admin):
    tag = Tag.objects.create(name="VIP")
    api_client.force_authenticate(admin)
    response = api_client.patch(f"/api/v1/tags/{tag.pk}/", {"color": "chartreuse"}, format="json")
    assert response.status_code == 400 and "color" in response.json()["errors"]


def test_settings_page_renames_recolours_and_deletes(client_as, admin, owner):
    services.customer_create(actor=owner, values={"name": "甲公司"}, tags=["VIP"])
    tag = Tag.objects.get(name="VIP")
    client = client_as(admin)
    page = client.get("/settings/tags/")
    assert page.status_code == 200 and "VIP" in page.content.decode()
    assert client.post("/settings/tags/", {"pk": tag.pk, "name": "大客户", "color": "red"}).status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("大客户", "red")
    assert client.post("/settings/tags/", {"name": "新标签", "color": "teal"}).status_code == 302
    duplicate = client.post("/settings/tags/", {"name": "大客户", "color": "blue"})
    assert duplicate.status_code == 200 and Tag.objects.filter(name__iexact="大客户").count() == 1
    assert client.post(f"/settings/tags/{tag.pk}/delete/").status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_settings_tags_page_is_for_administrators(client_as, owner):
    assert client_as(owner).get("/settings/tags/").status_code == 403
