"""examples/plugin_project's tests run with the command its README gives, from a shell whose PATH
has no mockango venv (where a bare `pytest` would be some other pytest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import NO_UNRELATED_PLUGINS, ROOT

pytestmark = pytest.mark.slow  # `make test` of the example project

PROJECT = ROOT / "examples" / "plugin_project"


def shell_without_the_venv() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def test_make_test_in_the_example_project_uses_the_checkouts_venv():
    if subprocess.run(["make", "-q", "-C", str(ROOT), "setup"], capture_output=True).returncode != 0:
        pytest.fail("the checkout's .venv is older than pyproject.toml: run `make setup` (make test does)")
    dry = subprocess.run(["make", "-n", "test"], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert "../../.venv/bin/python -m pytest" in dry.stdout, dry.stdout
    result = subprocess.run(
        ["make", "test", f"PYTEST_ARGS=-q -p no:cacheprovider {' '.join(NO_UNRELATED_PLUGINS)}"],
        cwd=PROJECT,
        env=shell_without_the_venv(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
