"""What an administrator types in a shell, run as real processes against a fresh installation."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


@pytest.fixture
def shell_env(tmp_path):
    """A fresh installation in its own data directory, on SQLite, configured as in production (no test settings)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("KELU_", "DJANGO_"))}
    env.update(KELU_DATA_DIR=str(tmp_path / "data"), KELU_DATABASE_URL="")
    return env


def kelu(env, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "kelu", *argv], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, token: str = "") -> tuple[int, str, dict]:
    # S310: the URL is the local test server's.
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


def test_command_before_init_says_to_run_init(shell_env):
    result = kelu(shell_env, "user", "list")
    assert result.returncode == 1
    assert result.stderr.startswith("kelu: error: database error: ")
    assert result.stderr.endswith("Has `kelu init` been run?\n")


def test_user_add_token_create_and_bearer_access_from_a_shell(shell_env, tmp_path):
    init = kelu(shell_env, "init", "--json")
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["admin_created"] is True

    console_script = Path(sys.executable).with_name("kelu")
    added = subprocess.run(
        [str(console_script), "user", "add", "li", "--role", "sales", "--team", "华东", "--password-stdin", "--json"],
        env=shell_env,
        input="Str0ng-passw0rd-x\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["teams"] == ["华东"]

    created = kelu(shell_env, "token", "create", "li", "--json")
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)

    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "kelu", "serve", "--no-worker", "--workers", "1", "--port", str(port)],
        env=shell_env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _type, health = get(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        assert (status, health["database"]["status"], health["queue"]["backend"]) == (200, "ok", "database")

        status, _type, me = get(f"{base}/api/v1/users/me/", token["token"])
        assert (status, me["username"], me["teams"]) == (200, "li", ["华东"])

        revoked = kelu(shell_env, "token", "revoke", str(token["id"]))
        assert revoked.returncode == 0, revoked.stderr
        status, content_type, problem = get(f"{base}/api/v1/users/me/", token["token"])
        assert (status, content_type, problem["status"]) == (401, "application/problem+json", 401)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert server.returncode == 0, (tmp_path / "serve.log").read_text()
