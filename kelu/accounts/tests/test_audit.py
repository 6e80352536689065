"""Every audited action leaves exactly one entry with actor, time, IP and object; the log cannot be changed."""

import pytest
from django.test import Client, override_settings

from kelu.accounts.models import AuditEvent
from kelu.customers import services


def _only(action: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, f"{action}: {len(events)} entries"
    return events[0]


def test_login_logout_and_failed_login(owner, password):
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/login/", {"username": "owner", "password": "wrong"})
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    client.post("/accounts/login/", {"username": "owner", "password": password})
    client.post("/accounts/logout/")
    login = _only("login")
    assert (login.actor, login.ip) == (owner, "10.1.2.3") and login.created_at
    assert _only("logout").actor == owner
    failed = list(AuditEvent.objects.filter(action="login_failed").order_by("id"))
    assert [e.details["username"] for e in failed] == ["owner", "nobody"] and all(e.actor is None for e in failed)
    assert all("password" not in str(e.details) for e in failed)


def test_forwarded_for_is_trusted_only_behind_a_configured_proxy(owner, password):
    Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6").post(
        "/accounts/login/", {"username": "owner", "password": password}
    )
    assert _only("login").ip == "10.0.0.1"
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.1").post(
            "/accounts/login/", {"username": "owner", "password": password}
        )
    assert AuditEvent.objects.filter(action="login").order_by("-id")[0].ip == "1.2.3.4"


def test_tokens_created_used_and_revoked(owner_client, owner, api_client):
    owner_client.post("/accounts/profile/tokens/", {"name": "脚本"})
    created = _only("token_created")
    assert created.actor == owner and created.target_type == "accounts.apitoken" and created.ip == "127.0.0.1"
    from kelu.accounts.services import token_create

    token, raw = token_create(user=owner, name="cli")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    api_client.get("/api/v1/users/me/")
    api_client.get("/api/v1/users/me/")  # within the same minute: one entry
    used = _only("token_used")
    assert used.actor == owner and used.target_id == str(token.pk)
    owner_client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert _only("token_revoked").target_id == str(token.pk)


def test_deletion_restore_purge_share_and_transfer(client_as, owner, teammate, admin):
    customer = services.customer_create(actor=owner, values={"name": "甲公司"})
    client = client_as(owner)
    client.post(f"/customers/{customer.pk}/shares/", {"user": teammate.pk})
    client.post(f"/customers/{customer.pk}/delete/")
    client_as(owner).post(f"/trash/{customer.pk}/restore/")
    shared = _only("shared")
    assert (shared.actor, shared.target_id, shared.details["user"]) == (owner, str(customer.pk), "teammate")
    assert _only("delete").ip == "127.0.0.1" and _only("restore").actor == owner
    services.records_transfer(actor=admin, from_user=owner, to_user=teammate)
    assert _only("records_transferred").details == {"to": "teammate", "customers": 1}
    services.customer_delete(actor=teammate, customer=customer)
    client_as(admin).post(f"/trash/{customer.pk}/purge/")
    assert _only("purge").target_repr == "甲公司"


def test_viewing_full_contact_details_is_audited_once_per_view(client_as, api_client, owner, viewer):
    customer = services.customer_create(actor=owner, values={"name": "甲公司"})
    client_as(owner).get(f"/customers/{customer.pk}/")
    api_client.force_authenticate(owner)
    api_client.get(f"/api/v1/customers/{customer.pk}/")
    assert AuditEvent.objects.filter(action="view_unmasked", target_id=str(customer.pk)).count() == 2
    client_as(viewer).get(f"/customers/{customer.pk}/")  # masked: nothing to audit
    assert AuditEvent.objects.filter(action="view_unmasked").count() == 2


def test_the_log_is_append_only(owner):
    services.customer_create(actor=owner, values={"name": "甲公司"})
    event = AuditEvent.objects.create(action="login", actor=owner)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="logout")


def test_only_administrators_read_the_log(client_as, api_client, admin, manager, owner, password):
    Client().post("/accounts/login/", {"username": "owner", "password": password})
    assert client_as(manager).get("/settings/audit/").status_code == 403
    page = client_as(admin).get("/settings/audit/", {"action": "login"})
    assert page.status_code == 200 and "owner" in page.content.decode()
    api_client.force_authenticate(manager)
    assert api_client.get("/api/v1/audit/").status_code == 403
    api_client.force_authenticate(admin)
    rows = api_client.get("/api/v1/audit/", {"actor": "owner", "action": "login"}).json()["results"]
    assert [row["action"] for row in rows] == ["login"] and rows[0]["ip"] == "127.0.0.1"
    assert api_client.delete("/api/v1/audit/").status_code == 405
