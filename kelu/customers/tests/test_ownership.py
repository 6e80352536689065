"""Public pool, collaborators, reassigning and handing over records: who may do what, through pages and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kelu.customers import services
from kelu.customers.models import Contact, Customer
from kelu.customers.selectors import customers_visible_to


@pytest.fixture
def pooled(admin):
    return services.customer_create(actor=admin, values={"name": "公海客户甲", "owner": None})


@pytest.fixture
def owned(owner):
    return services.customer_create(
        actor=owner,
        values={"name": "杭州云栖科技"},
        contacts=[{"values": {"name": "李雷"}, "points": [{"kind": "phone", "value": "13912345678"}]}],
    )


# --- public pool ---------------------------------------------------------------------------------------------------


def test_sales_sees_the_pool_but_cannot_edit_it_before_claiming(client_as, outsider, pooled):
    client = client_as(outsider)
    page = client.get(f"/customers/{pooled.pk}/")
    assert page.status_code == 200 and 'data-testid="claim-customer"' in page.content.decode()
    assert client.get(f"/customers/{pooled.pk}/edit/").status_code == 403


def test_claiming_makes_the_customer_yours(client_as, outsider, pooled):
    response = client_as(outsider).post(f"/customers/{pooled.pk}/claim/")
    assert response.status_code == 302
    pooled.refresh_from_db()
    assert pooled.owner == outsider and pooled.team.name == "华南"
    assert pooled.history.latest("history_date").history_user == outsider


def test_a_claimed_customer_cannot_be_claimed_again(api_client, outsider, teammate, pooled):
    services.customer_claim(actor=teammate, customer=pooled)
    api_client.force_authenticate(outsider)
    # Claimed by someone in another team: it left the outsider's sight altogether.
    assert api_client.post(f"/api/v1/customers/{pooled.pk}/claim/").status_code == 404
    pooled.refresh_from_db()
    assert pooled.owner == teammate


def test_claim_through_the_api(api_client, owner, pooled):
    api_client.force_authenticate(owner)
    response = api_client.post(f"/api/v1/customers/{pooled.pk}/claim/")
    assert response.status_code == 200 and response.json()["owner"] == owner.pk


def test_a_viewer_cannot_claim(viewer, pooled):
    with pytest.raises(PermissionDenied):
        services.customer_claim(actor=viewer, customer=pooled)


# --- collaborators -------------------------------------------------------------------------------------------------


def test_a_shared_customer_becomes_visible_read_only(client_as, owner, outsider, owned):
    services.customer_share(actor=owner, customer=owned, user=outsider)
    client = client_as(outsider)
    assert client.get(f"/customers/{owned.pk}/").status_code == 200
    contact = owned.contacts.get()
    assert client.get(f"/contacts/{contact.pk}/").status_code == 200
    assert client.get(f"/customers/{owned.pk}/edit/").status_code == 403
    assert client.post(f"/customers/{owned.pk}/delete/").status_code == 403


def test_edit_access_lets_the_collaborator_edit_but_not_delete(api_client, owner, outsider, owned):
    services.customer_share(actor=owner, customer=owned, user=outsider, can_edit=True)
    api_client.force_authenticate(outsider)
    response = api_client.patch(f"/api/v1/customers/{owned.pk}/", {"notes": "共同跟进"}, format="json")
    assert response.status_code == 200
    assert api_client.delete(f"/api/v1/customers/{owned.pk}/").status_code == 403
    owned.refresh_from_db()
    assert owned.notes == "共同跟进" and owned.deleted_at is None


def test_sharing_through_the_api_and_removing_it(api_client, owner, outsider, owned):
    api_client.force_authenticate(owner)
    response = api_client.post(f"/api/v1/customers/{owned.pk}/shares/", {"user": outsider.pk}, format="json")
    assert response.status_code == 200 and response.json()["can_edit"] is False
    assert [row["user"] for row in api_client.get(f"/api/v1/customers/{owned.pk}/shares/").json()] == [outsider.pk]
    assert customers_visible_to(outsider).filter(pk=owned.pk).exists()
    assert api_client.delete(f"/api/v1/customers/{owned.pk}/shares/{outsider.pk}/").status_code == 204
    assert not customers_visible_to(outsider).filter(pk=owned.pk).exists()


def test_sharing_with_an_unknown_user_is_a_clear_error(api_client, owner, owned):
    api_client.force_authenticate(owner)
    response = api_client.post(f"/api/v1/customers/{owned.pk}/shares/", {"user": 99999}, format="json")
    assert response.status_code == 400 and "user" in response.json()["errors"]


def test_a_read_only_collaborator_cannot_share_further(owner, outsider, teammate, owned):
    services.customer_share(actor=owner, customer=owned, user=outsider)
    with pytest.raises(PermissionDenied):
        services.customer_share(actor=outsider, customer=owned, user=teammate)


def test_sharing_from_the_page(client_as, owner, outsider, owned):
    response = client_as(owner).post(f"/customers/{owned.pk}/shares/", {"user": outsider.pk, "can_edit": "on"})
    assert response.status_code == 302
    assert owned.shares.get().can_edit is True


# --- reassigning and handing over ----------------------------------------------------------------------------------


def test_a_manager_reassigns_within_the_team(api_client, manager, teammate, owned):
    api_client.force_authenticate(manager)
    response = api_client.patch(f"/api/v1/customers/{owned.pk}/", {"owner": teammate.pk}, format="json")
    assert response.status_code == 200
    owned.refresh_from_db()
    assert owned.owner == teammate


@pytest.mark.parametrize("field", ["owner", "team"])
def test_setting_owner_or_team_outside_ones_reach_is_refused(api_client, owner, manager, outsider, owned, field):
    api_client.force_authenticate(manager)
    value = outsider.pk if field == "owner" else outsider.teams.get().pk
    before = Customer.objects.filter(pk=owned.pk).values().get()
    response = api_client.patch(f"/api/v1/customers/{owned.pk}/", {field: value, "notes": "x"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert Customer.objects.filter(pk=owned.pk).values().get() == before


def test_sales_cannot_give_a_customer_away_by_patch(api_client, owner, teammate, owned):
    api_client.force_authenticate(owner)
    response = api_client.patch(f"/api/v1/customers/{owned.pk}/", {"owner": teammate.pk}, format="json")
    assert response.status_code == 400
    owned.refresh_from_db()
    assert owned.owner == owner


def test_transfer_hands_over_everything(api_client, admin, owner, teammate, owned):
    standalone = services.contact_create(actor=owner, customer=None, values={"name": "独立联系人"})
    trashed = services.customer_create(actor=owner, values={"name": "已删除客户"})
    services.customer_delete(actor=owner, customer=trashed)
    api_client.force_authenticate(admin)
    response = api_client.post(
        "/api/v1/customers/transfer/", {"from_user": owner.pk, "to_user": teammate.pk}, format="json"
    )
    assert response.status_code == 200 and response.json() == {"customers": 2}
    assert not Customer.objects.filter(owner=owner).exists()
    assert Contact.objects.get(pk=standalone.pk).owner == teammate
    assert customers_visible_to(teammate, trashed=True).filter(pk=trashed.pk).exists()


def test_sales_cannot_transfer(owner, teammate, owned):
    with pytest.raises(PermissionDenied):
        services.records_transfer(actor=owner, from_user=owner, to_user=teammate)


def test_a_manager_cannot_transfer_to_someone_outside_the_team(manager, owner, outsider, owned):
    with pytest.raises(PermissionDenied):
        services.records_transfer(actor=manager, from_user=owner, to_user=outsider)


def test_transfer_to_oneself_is_refused(admin, owner, owned):
    with pytest.raises(ValidationError):
        services.records_transfer(actor=admin, from_user=owner, to_user=owner)


# --- roles take effect at once -------------------------------------------------------------------------------------


def test_a_demoted_user_loses_write_access_on_the_next_request(bearer_client, owner, owned):
    client = bearer_client(owner)
    assert client.patch(f"/api/v1/customers/{owned.pk}/", {"notes": "a"}, format="json").status_code == 200
    owner.role_id = "viewer"
    owner.save(update_fields=["role"])
    response = client.patch(f"/api/v1/customers/{owned.pk}/", {"notes": "b"}, format="json")
    assert response.status_code == 403
    owned.refresh_from_db()
    assert owned.notes == "a"


def test_a_token_in_the_query_string_is_refused(api_client, token_for, owner):
    _token, raw = token_for(owner)
    for name in ("token", "access_token", "api_key"):
        assert api_client.get(f"/api/v1/users/me/?{name}={raw}").status_code == 401


@pytest.mark.parametrize("field", ["id", "role", "created_by", "created_at", "nmae"])
def test_fields_one_cannot_set_are_refused_not_ignored(api_client, owner, owned, field):
    api_client.force_authenticate(owner)
    before = Customer.objects.filter(pk=owned.pk).values().get()
    response = api_client.patch(f"/api/v1/customers/{owned.pk}/", {field: 7, "notes": "x"}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Customer.objects.filter(pk=owned.pk).values().get() == before


def test_one_cannot_change_ones_own_role(api_client, owner):
    api_client.force_authenticate(owner)
    response = api_client.patch("/api/v1/users/me/", {"role": "admin"}, format="json")
    assert response.status_code == 400 and "role" in response.json()["errors"]
    owner.refresh_from_db()
    assert owner.role_id == "sales"


def test_a_writer_without_full_contact_rights_edits_without_seeing_or_losing_phones(client_as, owner, owned):
    owner.role.can_see_full_contacts = False
    owner.role.save()
    contact = owned.contacts.get()
    client = client_as(owner)
    page = client.get(f"/contacts/{contact.pk}/edit/")
    assert "13912345678" not in page.content.decode() and 'data-testid="points-hidden"' in page.content.decode()
    response = client.post(f"/contacts/{contact.pk}/edit/", {"name": "李雷雷", "version": contact.version})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "李雷雷" and [p.normalized for p in contact.points.all()] == ["+8613912345678"]
