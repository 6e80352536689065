"""`kelu user ...` and `kelu token ...`, run in-process through kelu.cli.main (see test_cli_shell.py for a shell)."""

import io
import json
import sys

import pytest
from django.utils import translation

from kelu import cli
from kelu.accounts.models import ApiToken, User
from kelu.accounts.services import token_create


@pytest.fixture(autouse=True)
def _django_already_set_up(monkeypatch):
    # django.setup() again would rebind the logging handlers to this test's captured stderr, closed after it.
    monkeypatch.setattr(cli, "_setup_django", lambda: None)


@pytest.fixture(autouse=True)
def _english():
    # The command speaks the installation's language (zh-hans by default); Django's own messages are translated.
    with translation.override("en"):
        yield


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_user_add_creates_the_user_and_prints_a_generated_password_once(capsys, db):
    code, out, err = run(capsys, "user", "add", "li", "--role", "sales", "--team", "华东", "--team", "华南")
    assert (code, err) == (0, "")
    user = User.objects.get(username="li")
    assert user.role_id == "sales"
    assert sorted(user.teams.values_list("name", flat=True)) == ["华东", "华南"]
    assert "User li (sales) created." in out
    password = out.split("Password (shown once): ")[1].strip()
    assert user.check_password(password)


@pytest.mark.parametrize(
    "argv",
    [
        ["--json", "user", "add", "li", "--role", "manager"],
        ["user", "--json", "add", "li", "--role", "manager"],
        ["user", "add", "li", "--role", "manager", "--json"],
    ],
)
def test_user_add_prints_json_wherever_the_option_is(capsys, db, argv):
    code, out, _err = run(capsys, *argv)
    data = json.loads(out)
    assert code == 0
    assert (data["username"], data["role"], data["teams"]) == ("li", "manager", [])
    assert User.objects.get(pk=data["id"]).check_password(data["password"])


def test_user_add_reads_the_password_from_stdin_and_does_not_print_it(capsys, db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Str0ng-passw0rd-x\n"))
    code, out, _err = run(capsys, "user", "add", "li", "--role", "viewer", "--password-stdin", "--json")
    assert code == 0
    assert "password" not in json.loads(out)
    assert User.objects.get(username="li").check_password("Str0ng-passw0rd-x")


def test_password_from_a_file_with_windows_line_endings_has_no_carriage_return(capsys, db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Str0ng-passw0rd-x\r\n"))
    assert run(capsys, "user", "add", "li", "--role", "viewer", "--password-stdin")[0] == 0
    assert User.objects.get(username="li").check_password("Str0ng-passw0rd-x")


def test_user_add_with_nothing_on_stdin_is_a_clear_error(capsys, db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, err = run(capsys, "user", "add", "li", "--role", "viewer", "--password-stdin")
    assert (code, out) == (1, "")
    assert err == "kelu: error: no password on standard input\n"
    assert not User.objects.exists()


def test_unknown_role_is_a_clear_error(capsys, db):
    code, out, err = run(capsys, "user", "add", "li", "--role", "boss")
    assert (code, out) == (1, "")
    assert err == "kelu: error: Unknown role “boss”; choose one of: admin, manager, sales, viewer.\n"
    assert not User.objects.exists()


def test_unknown_role_with_json_prints_the_error_as_json(capsys, db):
    code, out, _err = run(capsys, "--json", "user", "add", "li", "--role", "boss")
    assert code == 1
    assert json.loads(out) == {"error": "Unknown role “boss”; choose one of: admin, manager, sales, viewer."}


def test_existing_username_is_a_clear_error(capsys, owner):
    code, _out, err = run(capsys, "user", "add", "owner", "--role", "sales")
    assert code == 1
    assert err == "kelu: error: A user with that username already exists.\n"
    assert User.objects.filter(username="owner").count() == 1


def test_weak_password_is_refused_with_the_reasons(capsys, db, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("12345\n"))
    code, _out, err = run(capsys, "user", "add", "li", "--role", "sales", "--password-stdin")
    assert code == 1
    assert "too short" in err and "entirely numeric" in err
    assert not User.objects.exists()


def test_invalid_email_is_refused(capsys, db):
    code, _out, err = run(capsys, "user", "add", "li", "--role", "sales", "--email", "not-an-email")
    assert code == 1
    assert err == "kelu: error: Enter a valid email address.\n"


def test_missing_role_is_a_usage_error(capsys, db):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["user", "add", "li"])
    assert exit_info.value.code == 2
    assert "--role" in capsys.readouterr().err


def test_user_list_shows_every_user(capsys, owner, outsider):
    code, out, _err = run(capsys, "user", "list")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[1] for line in lines] == ["outsider", "owner"]
    assert "华东" in lines[1]
    code, out, _err = run(capsys, "user", "list", "--json")
    assert [u["username"] for u in json.loads(out)["users"]] == ["outsider", "owner"]


def test_token_create_prints_a_token_that_authenticates(capsys, owner, api_client):
    code, out, _err = run(capsys, "token", "create", "owner", "--name", "ERP sync")
    assert code == 0
    raw = out.splitlines()[-1]
    token = ApiToken.objects.get(user=owner)
    assert token.name == "ERP sync"
    assert f"Token {token.pk} for owner" in out
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/users/me/").json()["username"] == "owner"


def test_token_create_json(capsys, owner):
    code, out, _err = run(capsys, "token", "create", "owner", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["username"], data["id"]) == ("owner", ApiToken.objects.get().pk)
    assert data["token"].startswith("kelu_")


def test_token_create_for_an_unknown_user_is_a_clear_error(capsys, db):
    code, _out, err = run(capsys, "token", "create", "nobody")
    assert (code, err) == (1, "kelu: error: no user named 'nobody'\n")
    assert not ApiToken.objects.exists()


def test_revoked_token_stops_working(capsys, owner, api_client):
    token, raw = token_create(user=owner)
    code, out, _err = run(capsys, "token", "revoke", str(token.pk))
    assert code == 0
    assert f"Token {token.pk} of 王小明 revoked." in out
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/users/me/").status_code == 401


def test_revoking_an_unknown_token_is_a_clear_error(capsys, db):
    code, _out, err = run(capsys, "token", "revoke", "424242")
    assert (code, err) == (1, "kelu: error: no token with id 424242\n")
