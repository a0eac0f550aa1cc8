"""`make test` checks at least what `make lint` checks, and that migrations are up to date (issue 7, item 9)."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _test_branch() -> str:
    script = (ROOT / "scripts" / "platform.sh").read_text()
    match = re.search(r"^  test\)\n(.*?)^    ;;", script, flags=re.S | re.M)
    assert match, "scripts/platform.sh has no `test)` branch"
    return match.group(1)


def test_make_test_runs_ruff_format_check_and_makemigrations_check_before_pytest():
    branch = _test_branch()
    lines = [line.strip() for line in branch.splitlines()]
    pytest_line = next(i for i, line in enumerate(lines) if "-m pytest" in line)
    no_errexit = lines.index("set +e")
    for command in (
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        "manage makemigrations --check --dry-run",
    ):
        assert command in lines, command
        # Under `set -e` (before `set +e`), so a failure stops `make test` with a non-zero status.
        assert lines.index(command) < no_errexit < pytest_line, command


def test_make_lint_checks_nothing_make_test_does_not():
    makefile = (ROOT / "Makefile").read_text()
    lint = re.search(r"^lint:\n\t(.*)$", makefile, flags=re.M).group(1)
    branch = _test_branch()
    for command in re.split(r"\s*&&\s*", lint):
        assert command.strip() in branch, command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # The same check as in `make test`, so that a bare pytest run catches a missing migration too.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
