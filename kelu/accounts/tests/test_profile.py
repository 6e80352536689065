"""The profile page: preferences, and API tokens created and revoked by their owner."""

import pytest
from django.conf import settings
from django.urls import reverse

from kelu.accounts import forms
from kelu.accounts.models import ApiToken
from kelu.accounts.services import token_create

PROFILE = "/accounts/profile/"


def test_profile_shows_the_user_and_only_their_own_tokens(owner_client, owner, outsider):
    token_create(user=owner, name="ERP sync")
    token_create(user=outsider, name="outsider's script")
    response = owner_client.get(PROFILE)
    assert response.status_code == 200
    assert [t.name for t in response.context["tokens"]] == ["ERP sync"]
    assert "outsider&#x27;s script" not in response.content.decode()


def test_preferences_are_saved(owner_client, owner):
    response = owner_client.post(PROFILE, {"display_name": "  王大明 ", "language": "en", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    assert response.url == PROFILE
    owner.refresh_from_db()
    assert (owner.display_name, owner.language, owner.time_zone) == ("王大明", "en", "Europe/Berlin")


def test_empty_preferences_fall_back_to_the_installation_defaults(owner_client, owner):
    owner_client.post(PROFILE, {"display_name": "", "language": "", "time_zone": ""})
    owner.refresh_from_db()
    assert (owner.language, owner.time_zone) == ("", "")


def test_unknown_time_zone_is_an_error_on_the_field(owner_client, owner):
    response = owner_client.post(PROFILE, {"display_name": "x", "language": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["time_zone"]
    owner.refresh_from_db()
    assert owner.time_zone == ""


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_profile_rejects_other_methods(owner_client, method):
    assert getattr(owner_client, method)(PROFILE).status_code == 405


def test_created_token_is_shown_once_and_works(owner_client, owner, api_client):
    response = owner_client.post(reverse("accounts:token_create"), {"name": "ERP sync"})
    assert response.status_code == 200
    raw = response.context["raw"]
    assert raw.startswith("kelu_")
    assert raw in response.content.decode()
    token = ApiToken.objects.get(user=owner)
    assert token.name == "ERP sync"
    assert raw not in token.key_hash
    assert raw not in owner_client.get(PROFILE).content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/users/me/").json()["username"] == "owner"


def test_too_long_token_name_creates_nothing(owner_client, owner):
    response = owner_client.post(reverse("accounts:token_create"), {"name": "x" * 101})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_token_create_rejects_other_methods(owner_client, method):
    assert getattr(owner_client, method)(reverse("accounts:token_create")).status_code == 405
    assert not ApiToken.objects.exists()


def test_owner_revokes_their_token(owner_client, owner):
    token, _raw = token_create(user=owner)
    response = owner_client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response.url == PROFILE
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_outsider_gets_404_revoking_another_users_token(client_as, owner, outsider):
    token, _raw = token_create(user=owner)
    response = client_as(outsider).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_admin_gets_404_too_revoking_another_users_token(client_as, owner, admin):
    token, _raw = token_create(user=owner)
    assert client_as(admin).post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404


def test_revoking_a_missing_token_is_404(owner_client):
    assert owner_client.post(reverse("accounts:token_revoke", args=[999999])).status_code == 404


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_token_revoke_rejects_other_methods(owner_client, owner, method):
    token, _raw = token_create(user=owner)
    assert getattr(owner_client, method)(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_time_zone_help_is_translated_when_shown_not_once_at_import(monkeypatch):
    monkeypatch.setattr(forms, "_", lambda message: f"[{message}]")
    help_text = str(forms.PreferencesForm().fields["time_zone"].help_text)
    assert help_text == f"[Empty: the installation's time zone ({settings.TIME_ZONE}).]"
