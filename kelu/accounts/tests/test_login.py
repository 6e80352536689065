"""Logging in and out of the web interface."""

import pytest
from django.urls import reverse

LOGIN = "/accounts/login/"


def test_login_page_is_public(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_right_password_logs_in_and_goes_home(client, owner, password):
    response = client.post(LOGIN, {"username": "owner", "password": password})
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert client.get(reverse("core:home")).context["user"] == owner


def test_login_follows_a_local_next(client, owner, password):
    response = client.post(LOGIN, {"username": "owner", "password": password, "next": "/accounts/profile/"})
    assert response.url == "/accounts/profile/"


def test_login_ignores_a_next_on_another_site(client, owner, password):
    response = client.post(LOGIN, {"username": "owner", "password": password, "next": "https://evil.example/"})
    assert response.url == reverse("core:home")


def _login_error(client, username: str, password: str) -> list[str]:
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    return response.context["form"].non_field_errors()


def test_wrong_password_and_unknown_user_get_the_same_message(client, owner, password):
    wrong_password = _login_error(client, "owner", "not-the-password")
    unknown_user = _login_error(client, "nobody", "not-the-password")
    assert wrong_password
    assert wrong_password == unknown_user


def test_inactive_user_with_the_right_password_gets_the_same_message_too(client, owner, password):
    wrong_password = _login_error(client, "owner", "not-the-password")
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert _login_error(client, "owner", password) == wrong_password


def test_logged_in_user_visiting_login_goes_home(owner_client):
    response = owner_client.get(LOGIN)
    assert response.status_code == 302
    assert response.url == reverse("core:home")


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_login_rejects_other_methods(client, db, method):
    # PUT is not among them: Django's form views treat it as POST.
    assert getattr(client, method)(LOGIN).status_code == 405


def test_logout_ends_the_session_and_shows_login(owner_client):
    response = owner_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in owner_client.session
    assert owner_client.get("/").status_code == 302


def test_logout_by_get_is_refused(owner_client):
    # A link or an <img> elsewhere must not be able to log the user out.
    assert owner_client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in owner_client.session


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_password_change_rejects_other_methods(owner_client, method):
    assert getattr(owner_client, method)("/accounts/password/").status_code == 405


@pytest.mark.parametrize("method", ["post", "delete"])
def test_password_changed_page_rejects_other_methods(owner_client, method):
    assert getattr(owner_client, method)("/accounts/password/done/").status_code == 405


def test_password_change_needs_the_old_password(owner_client, owner, password):
    response = owner_client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "An0ther-good-one", "new_password2": "An0ther-good-one"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    owner.refresh_from_db()
    assert owner.check_password(password)


def test_password_change_keeps_the_user_logged_in(owner_client, owner, password):
    response = owner_client.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": "An0ther-good-one", "new_password2": "An0ther-good-one"},
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_changed")
    assert owner_client.get(response.url).status_code == 200
    owner.refresh_from_db()
    assert owner.check_password("An0ther-good-one")
