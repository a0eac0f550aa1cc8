"""Production settings are safe when the documented variables are set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check_deploy(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(DJANGO_SETTINGS_MODULE="geo.settings.production", **overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_passes_without_warnings_when_documented_variables_are_set():
    result = _check_deploy(
        SECRET_KEY="k3V9-not-a-real-secret-but-long-and-random-enough-0123456789abcdef",
        ALLOWED_HOSTS="convive.example.gov.co",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _check_deploy(ALLOWED_HOSTS="convive.example.gov.co")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
