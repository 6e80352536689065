import importlib

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kelu.accounts.models import AuditEvent, Role


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_enrol_then_login_asks_for_the_code(owner, password):
    client = Client()
    client.post("/accounts/login/", {"username": "owner", "password": password})
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    assert client.post("/accounts/2fa/", {"code": "000000"}).status_code == 200  # wrong code: stays
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code delays the next try (django-otp throttling); not what this test is about
    assert client.post("/accounts/2fa/", {"code": _code(device)}).status_code == 302
    assert AuditEvent.objects.filter(action="2fa_enabled", actor=owner).count() == 1

    fresh = Client()
    fresh.post("/accounts/login/", {"username": "owner", "password": password})
    blocked = fresh.get("/customers/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/accounts/2fa/verify/")
    assert fresh.get("/api/v1/users/me/").status_code == 403
    device.refresh_from_db()
    device.last_t = -1  # the test reuses the current time step
    device.save()
    assert fresh.post("/accounts/2fa/verify/?next=/customers/", {"code": _code(device)})["Location"] == "/customers/"
    assert fresh.get("/customers/").status_code == 200


def test_a_role_can_require_two_factor(owner, password, admin, client_as):
    client_as(admin).post("/settings/roles/", {"sales-require_2fa": "on", "sales-can_delete": "on"})
    assert Role.objects.get(key="sales").require_2fa
    client = Client()
    client.post("/accounts/login/", {"username": "owner", "password": password})
    response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/")


def test_bearer_tokens_are_not_affected(bearer_client, owner):
    TOTPDevice.objects.create(user=owner, name="a", confirmed=True)
    assert bearer_client(owner).get("/api/v1/users/me/").status_code == 200


def test_a_request_reads_the_user_with_role_and_authenticator_at_once(owner, client_as, django_assert_num_queries):
    client = client_as(owner)
    assert client.get("/api/v1/users/me/").status_code == 200  # the process reads the roles (kept from now on)
    # the session, the user with "has a confirmed authenticator" in one read (the role is kept), the view's teams
    with django_assert_num_queries(3):
        assert client.get("/api/v1/users/me/").json()["role"] == "sales"
    TOTPDevice.objects.create(user=owner, name="a", confirmed=True)
    assert client.get("/customers/")["Location"].startswith("/accounts/2fa/verify/")


def test_a_changed_role_is_seen_by_the_next_request(owner, admin, client_as):
    client = client_as(owner)
    assert client.get("/customers/").status_code == 200  # the roles are kept
    client_as(admin).post("/settings/roles/", {"sales-require_2fa": "on"})
    assert client.get("/customers/")["Location"].startswith("/accounts/2fa/")
    client_as(admin).post("/settings/roles/", {})
    assert client.get("/customers/").status_code == 200


def test_sessions_signed_in_through_djangos_model_backend_stay_signed_in(owner):
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    migration = importlib.import_module("kelu.accounts.migrations.0005_sessions_of_the_user_backend")
    store = SessionStore()
    store.update({SESSION_KEY: str(owner.pk), BACKEND_SESSION_KEY: migration.OLD})
    store[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    store.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = str(store.session_key)
    assert client.get("/api/v1/users/me/").status_code == 401  # the old backend is not listed: signed out
    migration.forwards(apps, None)
    assert client.get("/api/v1/users/me/").json()["username"] == "owner"
    migration.backwards(apps, None)
    assert SessionStore(store.session_key).load()[BACKEND_SESSION_KEY] == migration.OLD
