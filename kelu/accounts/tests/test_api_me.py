"""/api/v1/users/me/ and bearer-token authentication: what a script sees, including every way to get it wrong."""

import pytest
from django.utils import timezone

from kelu.accounts.models import ApiToken
from kelu.accounts.services import token_revoke

ME = "/api/v1/users/me/"
PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert "Traceback" not in response.content.decode()
    return body


def test_bearer_token_reads_the_own_user(owner_api, owner):
    response = owner_api.get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "id": owner.pk,
        "username": "owner",
        "display_name": "王小明",
        "email": "",
        "role": "sales",
        "teams": ["华东"],
        "language": "",
        "time_zone": "",
    }


def test_bearer_token_use_is_recorded(bearer_client, owner):
    bearer_client(owner).get(ME)
    token = ApiToken.objects.get(user=owner)
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < ApiToken.LAST_USED_RESOLUTION


def test_browser_session_works_too(api_client, owner):
    api_client.force_login(owner)
    assert api_client.get(ME).json()["username"] == "owner"


def test_anonymous_request_gets_401_asking_for_a_bearer_token(api_client, db):
    response = api_client.get(ME)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_revoked_token_gets_401(api_client, owner, token_for):
    token, raw = token_for(owner)
    token_revoke(token=token)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert assert_problem(api_client.get(ME, HTTP_ACCEPT_LANGUAGE="en"), 401)["detail"] == "Invalid or revoked token."


def test_token_of_a_deactivated_user_gets_401(api_client, owner, token_for):
    _token, raw = token_for(owner)
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert_problem(api_client.get(ME), 401)


@pytest.mark.parametrize(
    "header",
    ["Bearer kelu_not-a-real-token", "Bearer", "Bearer two parts", "bearer kelu_not-a-real-token"],
)
def test_bad_authorization_header_gets_401(api_client, db, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert_problem(api_client.get(ME), 401)


def test_token_in_the_url_is_not_accepted(api_client, owner, token_for):
    # URLs end up in logs; a token is only read from the header.
    _token, raw = token_for(owner)
    assert_problem(api_client.get(ME, {"token": raw, "access_token": raw}), 401)


def test_patch_updates_preferences(owner_api, owner):
    response = owner_api.patch(ME, {"language": "en", "time_zone": "Asia/Tokyo"}, format="json")
    assert response.status_code == 200
    assert (response.json()["language"], response.json()["time_zone"]) == ("en", "Asia/Tokyo")
    owner.refresh_from_db()
    assert (owner.display_name, owner.language, owner.time_zone) == ("王小明", "en", "Asia/Tokyo")


def test_patch_with_bad_values_gets_400_with_per_field_messages(owner_api, owner):
    response = owner_api.patch(ME, {"language": "xx", "time_zone": "Mars/Olympus"}, format="json")
    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"language", "time_zone"}
    assert all(isinstance(message, str) for message in body["errors"]["language"])
    owner.refresh_from_db()
    assert owner.language == ""


def test_malformed_json_gets_400_problem(owner_api):
    response = owner_api.generic(
        "PATCH", ME, '{"language": "en",', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    body = assert_problem(response, 400)
    assert body["detail"] == "The request body is not valid JSON."


def test_json_that_is_not_an_object_gets_400_problem(owner_api):
    body = assert_problem(owner_api.patch(ME, ["en"], format="json"), 400)
    assert "non_field_errors" in body["errors"]


def test_form_encoded_body_gets_415_problem(owner_api):
    assert_problem(owner_api.generic("PATCH", ME, "language=en", content_type="application/x-www-form-urlencoded"), 415)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_me_rejects_other_methods_with_405_problem(owner_api, method):
    assert_problem(getattr(owner_api, method)(ME, {}, format="json"), 405)
