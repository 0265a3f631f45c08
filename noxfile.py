"""mockango's tests on every Python it claims (nox: ``.venv/bin/nox``, installed by ``make setup``).

    nox -s fast-3.12     the fast subset on 3.12: unit, validation, the e2e round trips, the pytest
                         fixture, and the official client 1.4.10's round trips
    nox -s fast          the fast subset on every version in PYTHONS (what CI runs beside `make test`)
    nox -s tests-3.13    the whole suite on 3.13 (`make test` runs it on the default python3)

Extra arguments go to pytest: ``nox -s fast-3.10 -- -x -k roundtrip``. An interpreter is looked up as
``python3.X`` on PATH, then under pyenv's versions (so pyenv's shims need no ``pyenv global``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
"""Every version tested, and so every version pyproject.toml's classifiers list (a test keeps them equal)."""

FAST = [
    "tests/unit",
    "tests/validation",
    "tests/e2e/test_roundtrip.py",
    "tests/fixture",
    # ruff and mypy (set to check as of 3.10) say the same on every Python: once, in the whole suite.
    "--ignore=tests/unit/test_code_style.py",
]
OFFICIAL_1_4 = ["tests/official/test_official_client.py", "-k", "1.4.10 or 1_4"]

ROOT = Path(__file__).resolve().parent
nox.options.sessions = ["fast"]
nox.options.reuse_venv = "yes"  # a session's venv is kept under .nox/ and reinstalled into (pip's cache keeps it quick)


def _pyenv_versions() -> list[str]:
    """The bin folders of pyenv's installed versions, newest patch release first ([] without pyenv)."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    versions = Path(root) / "versions"
    if not versions.is_dir():
        return []

    def key(folder: Path) -> tuple:
        return tuple(int(part) if part.isdigit() else -1 for part in folder.name.split("."))

    return [str(folder / "bin") for folder in sorted(versions.iterdir(), key=key, reverse=True)]


# nox finds "3.12" as python3.12 on PATH: pyenv's real folders go after PATH's own, so a system
# or CI-provided interpreter wins, and pyenv's shims (which refuse a version not made global) are passed by.
_path = os.environ.get("PATH", "").split(os.pathsep)
os.environ["PATH"] = os.pathsep.join(
    [p for p in _path if "pyenv/shims" not in p] + _pyenv_versions() + [p for p in _path if "pyenv/shims" in p]
)


def _install(session: nox.Session) -> None:
    session.install("--disable-pip-version-check", "--quiet", "-e", ".[test]")
    # The official client's venvs are built with this session's Python: one cache folder per version,
    # so sessions of different versions never rebuild (or delete) each other's.
    shared = os.environ.get("MOCKANGO_OFFICIAL_CACHE", str(ROOT / ".cache" / "official-clients"))
    session.env["MOCKANGO_OFFICIAL_CACHE"] = str(Path(shared) / f"python{session.python}")


@nox.session(python=PYTHONS)
def fast(session: nox.Session) -> None:
    """The fast subset: what CI runs on the versions `make test` does not (MOCKANGO_FULL_SUITE_PYTHON names
    the version whose whole suite already ran; its fast session is skipped)."""
    if session.python == os.environ.get("MOCKANGO_FULL_SUITE_PYTHON"):
        session.skip(f"the whole suite ran on {session.python}")
    _install(session)
    args = ["-n", "auto", "-q", *session.posargs]
    session.run("python", "-m", "pytest", *FAST, *args)
    session.run("python", "-m", "pytest", *OFFICIAL_1_4, *args)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole suite (needs Chromium for the dashboard tests: `make browser`)."""
    _install(session)
    session.run("python", "-m", "pytest", "-n", "auto", "-q", *session.posargs)
