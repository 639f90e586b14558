"""The code stays ruff clean: lint rules and formatting, as `make lint` checks them."""

import subprocess
import sys
from pathlib import Path

from clinic import PROJECT_ROOT

RUFF = Path(sys.executable).with_name("ruff")


def run_ruff(*args: str) -> subprocess.CompletedProcess:
    assert RUFF.exists(), f"{RUFF} is missing: run `make test` (installs the test extras)"
    return subprocess.run(
        [str(RUFF), *args, "."], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_nothing_to_fix():
    result = run_ruff("check", "--no-cache", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_ruff_formatted():
    result = run_ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
