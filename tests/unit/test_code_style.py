"""The checkout passes ruff's lint and format checks and mypy's type checks (configured in pyproject.toml)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _ruff() -> list[str]:
    beside = Path(sys.executable).with_name("ruff")
    found = str(beside) if beside.exists() else shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]' (make test does)")
    return [found]


@pytest.mark.parametrize("check", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff(check):
    result = subprocess.run(_ruff() + check, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"ruff {' '.join(check)} found problems (fix with `ruff check --fix . && ruff format .`):\n{result.stdout}{result.stderr}"
    )


def test_mypy():
    """Clean on mockango/ and plugin_client/ (``files`` in [tool.mypy]); ``.venv/bin/mypy`` shows the same."""
    if importlib.util.find_spec("mypy") is None:
        pytest.fail("mypy is not installed: pip install -e '.[test]' (make test does)")
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, "mypy found problems (run `.venv/bin/mypy`):\n" + result.stdout + result.stderr
