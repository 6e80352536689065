import pytest

from kelu.accounts.models import AuditEvent, Role, User
from kelu.customers import services as customer_services


def test_admin_adds_a_user_and_sees_the_password_once(client_as, admin):
    page = client_as(admin).post(
        "/settings/users/", {"username": "xiaoli", "role": "sales", "teams": "华北，华东", "display_name": "小李"}
    )
    assert page.status_code == 200 and 'data-testid="new-password"' in page.content.decode()
    user = User.objects.get(username="xiaoli")
    assert user.role_id == "sales" and sorted(user.teams.values_list("name", flat=True)) == ["华东", "华北"]
    assert AuditEvent.objects.filter(action="user_created", target_id=str(user.pk)).count() == 1


def test_role_change_applies_on_the_next_request_and_is_audited(client_as, admin, owner):
    client = client_as(owner)
    assert client.get("/customers/new/").status_code == 200
    response = client_as(admin).post(
        f"/settings/users/{owner.pk}/", {"role": "viewer", "teams": "华东", "is_active": "on", "display_name": "王小明"}
    )
    assert response.status_code == 302
    assert client.post("/customers/new/", {"name": "x"}).status_code == 403
    event = AuditEvent.objects.get(action="role_changed")
    assert event.details == {"role": ["sales", "viewer"]} and event.actor == admin


def test_deactivated_users_are_logged_out_and_their_tokens_stop(client_as, admin, owner, bearer_client):
    api = bearer_client(owner)
    assert api.get("/api/v1/users/me/").status_code == 200
    client_as(admin).post(f"/settings/users/{owner.pk}/", {"role": "sales", "teams": "华东"})  # is_active unticked
    assert api.get("/api/v1/users/me/").status_code == 401


def test_hand_over_records_from_the_user_page(client_as, admin, owner, teammate):
    customer = customer_services.customer_create(actor=owner, values={"name": "甲公司"})
    response = client_as(admin).post(f"/settings/users/{owner.pk}/transfer/", {"to_user": teammate.pk})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner == teammate


def test_roles_rights_are_edited_and_audited(client_as, admin, owner):
    response = client_as(admin).post("/settings/roles/", {"sales-can_import": "on", "sales-can_export": "on"})
    assert response.status_code == 302
    sales = Role.objects.get(key="sales")
    assert (sales.can_import, sales.can_export, sales.can_delete, sales.can_see_full_contacts) == (
        True, True, False, False,
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="permissions_changed", target_id=str(sales.pk)).exists()
    assert Role.objects.get(key="admin").can_delete  # untouched


@pytest.mark.parametrize("path", ["/settings/users/", "/settings/roles/"])
def test_non_admins_get_403(client_as, manager, path):
    assert client_as(manager).get(path).status_code == 403


def test_an_admin_cannot_demote_themselves(client_as, admin):
    response = client_as(admin).post(f"/settings/users/{admin.pk}/", {"role": "sales", "is_active": "on"})
    assert response.status_code == 200
    admin.refresh_from_db()
    assert admin.role_id == "admin"


def test_users_and_roles_api(api_client, admin, owner):
    api_client.force_authenticate(owner)
    assert api_client.get("/api/v1/users/").status_code == 403
    assert api_client.patch(f"/api/v1/users/{owner.pk}/", {"role": "admin"}, format="json").status_code == 403
    api_client.force_authenticate(admin)
    created = api_client.post("/api/v1/users/", {"username": "api_user", "role": "viewer"}, format="json")
    assert created.status_code == 201 and len(created.json()["password"]) >= 10
    changed = api_client.patch(f"/api/v1/users/{owner.pk}/", {"role": "manager", "teams": ["华北"]}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "manager" and changed.json()["teams"] == ["华北"]
    bad = api_client.patch(f"/api/v1/users/{owner.pk}/", {"username": "x"}, format="json")
    assert bad.status_code == 400
    role = api_client.patch("/api/v1/roles/viewer/", {"can_export": True}, format="json")
    assert role.status_code == 200 and role.json()["can_export"] is True
    assert api_client.patch("/api/v1/roles/viewer/", {"can_fly": True}, format="json").status_code == 400
