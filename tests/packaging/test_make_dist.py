"""`make dist` as a release step runs it: with the build tools only, not the test and bench set."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.packaging


def test_make_dist_installs_only_the_build_tools_and_checks_both_files(tmp_path):
    venv, dist = tmp_path / "venv", tmp_path / "dist"
    python = getattr(sys, "_base_executable", None) or sys.executable
    made = subprocess.run(
        ["make", "dist", f"VENV={venv}", f"DIST={dist}", f"PYTHON={python}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    assert made.stdout.count("PASSED") == 2, made.stdout[-3000:]  # twine check --strict, wheel and sdist
    assert sorted(p.suffix for p in dist.iterdir()) == [".gz", ".whl"]
    installed = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, timeout=120
    ).stdout.lower()
    names = {line.split("==")[0] for line in installed.split()}
    assert {"build", "twine"} <= names
    assert not names & {"mockango-host", "pytest", "selenium", "schemathesis", "moto", "hypothesis", "flask"}, names
