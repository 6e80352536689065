"""`python -m kelu manage check --deploy` passes for a production configuration."""

import os
import subprocess
import sys


def check_deploy(tmp_path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("KELU_", "DJANGO_"))}
    env.update(KELU_DATA_DIR=str(tmp_path), KELU_DATABASE_URL="", **settings)
    return subprocess.run(
        [sys.executable, "-m", "kelu", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_for_a_configured_host(tmp_path):
    result = check_deploy(tmp_path, KELU_SITE_URL="https://crm.example.com", KELU_ALLOWED_HOSTS="crm.example.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_check_deploy_does_complain_about_debug(tmp_path):
    # The counter-check: the command above really inspects the deployment settings.
    result = check_deploy(
        tmp_path, KELU_SITE_URL="https://crm.example.com", KELU_ALLOWED_HOSTS="crm.example.com", KELU_DEBUG="1"
    )
    assert result.returncode == 1
    assert "security.W018" in result.stdout + result.stderr
