"""Repeated failed logins are throttled per account and per address, with one message whether the account exists."""

import re

from django.test import Client

from kelu.accounts.models import AuditEvent


def _fail(client: Client, username: str, times: int = 10) -> None:
    for _ in range(times):
        response = client.post("/accounts/login/", {"username": username, "password": "wrong-password"})
        assert response.status_code in (200, 429)


def test_ten_wrong_passwords_throttle_the_account_even_from_elsewhere(owner, password):
    _fail(Client(REMOTE_ADDR="10.0.0.1"), "owner")
    # The right password from another address is refused too, with 429 and no session.
    client = Client(REMOTE_ADDR="10.0.0.2")
    response = client.post("/accounts/login/", {"username": "owner", "password": password})
    assert response.status_code == 429 and 'data-testid="locked-out"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_throttled").exists()


def test_existing_and_unknown_accounts_get_the_same_answers(owner):
    known, unknown = Client(REMOTE_ADDR="10.0.1.1"), Client(REMOTE_ADDR="10.0.1.2")
    first_known = known.post("/accounts/login/", {"username": "owner", "password": "wrong-password"})
    first_unknown = unknown.post("/accounts/login/", {"username": "ghost", "password": "wrong-password"})
    assert first_known.status_code == first_unknown.status_code == 200
    assert _errors(first_known) == _errors(first_unknown)
    _fail(known, "owner", 9)
    _fail(unknown, "ghost", 9)
    locked_known = known.post("/accounts/login/", {"username": "owner", "password": "x"})
    locked_unknown = unknown.post("/accounts/login/", {"username": "ghost", "password": "x"})
    assert locked_known.status_code == locked_unknown.status_code == 429
    assert _without_tokens(locked_known) == _without_tokens(locked_unknown)


def test_one_address_trying_many_accounts_is_throttled(owner, password):
    client = Client(REMOTE_ADDR="10.0.2.1")
    for index in range(10):
        client.post("/accounts/login/", {"username": f"guess{index}", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "owner", "password": password})
    assert response.status_code == 429


def test_a_successful_login_resets_the_count(owner, password):
    client = Client(REMOTE_ADDR="10.0.3.1")
    _fail(client, "owner", 9)
    assert client.post("/accounts/login/", {"username": "owner", "password": password}).status_code == 302
    client.post("/accounts/logout/")
    _fail(client, "owner", 9)
    assert client.post("/accounts/login/", {"username": "owner", "password": password}).status_code == 302


def _without_tokens(response) -> str:
    """The page as the user reads it: CSRF and CSP nonces differ per request by design."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", text)


def _errors(response) -> list[str]:
    return [str(error) for error in response.context["form"].non_field_errors()]
