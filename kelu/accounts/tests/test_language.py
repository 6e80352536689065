"""Switching the interface language: a cookie for everyone, saved on the user when logged in."""

import pytest
from django.conf import settings
from django.urls import reverse

URL = "/accounts/language/"


def test_anonymous_switch_sets_the_cookie_and_returns(client, db):
    response = client.post(URL, {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/accounts/login/")
    assert page["Content-Language"] == "en"
    assert b'<html lang="en">' in page.content


def test_switch_persists_to_the_logged_in_user(owner_client, owner):
    response = owner_client.post(URL, {"language": "en", "next": "/accounts/profile/"})
    assert response.url == "/accounts/profile/"
    owner.refresh_from_db()
    assert owner.language == "en"


def test_saved_language_wins_over_the_browser_on_another_device(client_as, owner):
    owner.language = "en"
    owner.save(update_fields=["language"])
    other_device = client_as(owner)
    other_device.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = other_device.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response["Content-Language"] == "en"


def test_unknown_language_changes_nothing(owner_client, owner):
    response = owner_client.post(URL, {"language": "xx", "next": "/accounts/profile/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    owner.refresh_from_db()
    assert owner.language == ""


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", ""])
def test_switch_only_returns_to_this_site(owner_client, target):
    response = owner_client.post(URL, {"language": "en", "next": target})
    assert response.url == reverse("core:home")


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_switch_by_other_methods_is_refused(client, db, method):
    assert getattr(client, method)(URL).status_code == 405
