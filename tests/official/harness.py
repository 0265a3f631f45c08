"""Virtual environments holding the official ``ango`` client from PyPI, one per version.

``official_python("1.4.10")`` returns the interpreter of a venv in which exactly
``ango==1.4.10`` (and whatever it pins) is installed. The venv is built once and kept
under ``<repo>/.cache/official-clients/ango-<version>/`` (override the root with
``MOCKANGO_OFFICIAL_CACHE``). The official package's dependencies are heavy and
pinned, so it never goes into the project's own environment.

* A venv counts as built only when its ``.ready.json`` marker exists and names the
  same ango version and base interpreter; anything else (a half-built venv after an
  interrupted run, another Python) is deleted and built again.
* An exclusive ``fcntl`` lock per version (``ango-<version>.lock``) makes parallel
  pytest-xdist workers wait for one build instead of building the same venv twice.
* When pip cannot reach the package index the caller gets ``pytest.skip`` with the
  reason; any other pip failure is an error carrying pip's output.
* A version may name another interpreter after ``@``: ``"1.3.22+pandas==1.5.3@3.8"`` builds the venv
  from Python 3.8 (found under pyenv, or as ``python3.8`` on PATH; the test is skipped when there is
  none). :data:`VENDOR_SAMPLES` is the set the vendor's current samples pin, on the Python they run on.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Module each released line of the package installs.
MODULES = {"1.4.10": "imerit_ango", "1.1.6": "ango"}

# pip output that means "the index could not be reached", not "the install is broken".
_UNREACHABLE_MARKERS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "Connection refused",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
    "SSLError",
    "Could not fetch URL",
    "connection broken",
)

_PIP_TIMEOUT_S = 900  # a whole install; the per-request timeout is pip's --timeout below

_built: dict[str, Path] = {}  # per process: versions already checked
_failed: dict[str, BaseException] = {}  # per process: why a version could not be built (not retried)


# What the vendor's current samples pin (github.com/angoai/plugin-samples, requirements.txt), on the
# Python their Dockerfile runs (python:3.8): pandas 1.5.3 and numpy 1.22.3 do not install on 3.11+.
VENDOR_SAMPLES = "1.3.22+pandas==1.5.3+numpy==1.22.3+boto3==1.26.104+tqdm==4.65.0@3.8"


def cache_root() -> Path:
    return Path(os.environ.get("MOCKANGO_OFFICIAL_CACHE", REPO_ROOT / ".cache" / "official-clients"))


def venv_dir(version: str) -> Path:
    return cache_root() / f"ango-{version}"


# Releases published only under the package's other name on PyPI.
PACKAGES = {"1.3.22": "imerit-ango"}


def _split(version: str) -> tuple[str, str | None]:
    """``"1.3.22+pandas==1.5.3@3.8"`` -> (``"1.3.22+pandas==1.5.3"``, ``"3.8"``)."""
    packages, _, python = version.partition("@")
    return packages, python or None


def _requirements(version: str) -> list[str]:
    """What pip installs for ``version``: ``"1.4.10"``, or ``"1.4.10+numpy+pillow"`` with extra packages
    (what some SDK methods import on use, e.g. ``upload_brush_array``; pins such as ``pandas==1.5.3``)."""
    base, *extras = _split(version)[0].split("+")
    return [f"{PACKAGES.get(base, 'ango')}=={base}", *extras]


def module_for(version: str) -> str:
    """The import name of the official package at ``version`` (``imerit_ango`` from 1.3 on)."""
    version = _split(version)[0].split("+")[0]
    if version in MODULES:
        return MODULES[version]
    major, minor = (int(p) for p in version.split(".")[:2])
    return "imerit_ango" if (major, minor) >= (1, 3) else "ango"


def find_python(minor: str) -> str | None:
    """An interpreter of Python ``minor`` (e.g. ``"3.8"``): pyenv's newest, else ``python3.8`` on PATH."""
    roots = [Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"]
    found = []
    for root in roots:
        for candidate in root.glob(f"{minor}.*/bin/python{minor}"):
            patch = candidate.parent.parent.name.split(".")[2]
            if patch.isdigit():
                found.append((int(patch), str(candidate)))
    if found:
        return max(found)[1]
    return shutil.which(f"python{minor}")


def _base_python(version: str = "") -> str:
    wanted = _split(version)[1]
    if wanted is not None:
        python = find_python(wanted)
        if python is None:
            pytest.skip(f"no Python {wanted} on this machine (pyenv or python{wanted} on PATH) to build ango {version}")
        return python
    # Build from the real interpreter, not from the project's venv wrapper.
    return getattr(sys, "_base_executable", None) or sys.executable


def _python_version(python: str) -> list[int]:
    if python == (getattr(sys, "_base_executable", None) or sys.executable):
        return list(sys.version_info[:3])
    out = subprocess.run(
        [python, "-c", "import sys; print(*sys.version_info[:3])"], capture_output=True, text=True, timeout=60
    )
    return [int(part) for part in out.stdout.split()]


def _marker(version: str) -> dict:
    python = _base_python(version)
    return {"ango": version, "python": python, "python_version": _python_version(python)}


def _is_ready(target: Path, version: str) -> bool:
    try:
        stored = json.loads((target / ".ready.json").read_text())
    except (OSError, ValueError):
        return False
    want = _marker(version)
    return all(stored.get(k) == v for k, v in want.items()) and (target / "bin" / "python").exists()


def _pip_unreachable(output: str) -> bool:
    return any(marker.lower() in output.lower() for marker in _UNREACHABLE_MARKERS)


def _needed_from_3_12(python_version: list[int]) -> list[str]:
    """What a plugin's venv on Python 3.12+ needs beside ango: the APScheduler 3.9 that ango pins imports
    ``pkg_resources``, which venvs no longer get from 3.12 on (and setuptools 81+ dropped). Measured with
    1.4.10 on 3.12 and 3.13: ``ModuleNotFoundError: No module named 'pkg_resources'`` without it."""
    return ["setuptools<81"] if python_version >= [3, 12] else []


def _build(target: Path, version: str) -> None:
    if target.exists():
        shutil.rmtree(target)
    started = time.monotonic()
    subprocess.run(
        [_base_python(version), "-m", "venv", str(target)], check=True, capture_output=True, text=True, timeout=300
    )
    python = target / "bin" / "python"
    cmd = [
        str(python),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--timeout",
        "60",
        "--retries",
        "2",
        *_requirements(version),
        *_needed_from_3_12(_python_version(_base_python(version))),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        shutil.rmtree(target, ignore_errors=True)
        pytest.skip(
            f"installing ango=={version} from PyPI took over {_PIP_TIMEOUT_S}s (index unreachable or too slow): {exc}"
        )
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        if _pip_unreachable(output):
            lines = [ln for ln in output.strip().splitlines() if "is ignored: it is neither" not in ln]
            tail = "\n".join(lines[-4:])
            pytest.skip(f"PyPI unreachable: pip could not install ango=={version}:\n{tail}")
        raise RuntimeError(f"pip failed to install ango=={version} (exit {proc.returncode}):\n{output[-4000:]}")
    # The import must work too (a broken resolution shows here, not at plugin start).
    check = subprocess.run(
        [str(python), "-c", f"import {module_for(version)}.plugins, {module_for(version)}.sdk"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise RuntimeError(f"ango=={version} installed but does not import:\n{check.stderr[-4000:]}")
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--disable-pip-version-check"], capture_output=True, text=True, timeout=120
    ).stdout
    marker = dict(_marker(version), built_in_s=round(time.monotonic() - started, 1), packages=freeze.split())
    tmp = target / ".ready.json.tmp"
    tmp.write_text(json.dumps(marker, indent=1))
    tmp.replace(target / ".ready.json")  # the marker appears atomically, last


def official_python(version: str) -> Path:
    """The python of a cached venv with ``ango==version``; builds it on first use.

    Raises ``pytest.skip`` when PyPI cannot be reached.
    """
    if version in _built:
        return _built[version]
    if version in _failed:
        raise _failed[version]
    try:
        python = _ensure(version)
    except (Exception, pytest.skip.Exception) as exc:
        _failed[version] = exc
        raise
    _built[version] = python
    return python


def prepare(versions) -> None:
    """Build the venvs of several versions at once (in threads); failures surface later,
    per version, from :func:`official_python`. Parallel pytest-xdist workers share the work
    through the per-version locks, so the builds overlap instead of queueing behind tests."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(version):
        try:
            official_python(version)
        except BaseException:  # kept in _failed, raised again to the test that needs it
            pass

    versions = list(versions)
    with ThreadPoolExecutor(max_workers=max(1, len(versions))) as pool:
        list(pool.map(attempt, versions))


def _ensure(version: str) -> Path:
    target = venv_dir(version)
    python = target / "bin" / "python"
    if not _is_ready(target, version):
        cache_root().mkdir(parents=True, exist_ok=True)
        with open(cache_root() / f"ango-{version}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building it
            try:
                if not _is_ready(target, version):
                    _build(target, version)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    return python


def build_info(version: str) -> dict:
    """The marker of a built venv: versions of every package, build time."""
    return json.loads((venv_dir(version) / ".ready.json").read_text())


# ------------------------------------------------------------------------------------ plugin processes

SAMPLES = Path(__file__).resolve().parent / "samples"

# Variables of the caller's environment that must not reach the official client's process.
_DROP_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONNECTOR", "PORT", "LOGLEVEL")


class PluginProcess:
    """A plugin script run by an official client's python, with its output in a file."""

    def __init__(
        self,
        python: Path,
        script: Path,
        *,
        host: str,
        plugin_id: str,
        secret: str,
        log_path: Path,
        extra_env: dict | None = None,
    ) -> None:
        self.python, self.script, self.log_path = Path(python), Path(script), Path(log_path)
        env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
        env.update(ANGO_HOST=host, PLUGIN_ID=plugin_id, PLUGIN_SECRET=secret, PYTHONUNBUFFERED="1")
        env.update(extra_env or {})
        self.env = env
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self) -> PluginProcess:
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(self.python), str(self.script)],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=str(self.script.parent),
        )
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 5.0) -> int | None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        return None if self.proc is None else self.proc.returncode

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def describe(self, tail: int = 6000) -> str:
        state = "running" if self.running else f"exited with {self.proc.returncode if self.proc else None}"
        return (
            f"--- plugin process ({self.python.parent.parent.name}, {self.script.name}, {state}); "
            f"output:\n{self.output()[-tail:]}\n--- end of plugin output"
        )


def start_live(host, python: Path, script: Path, record, log_path: Path, *, extra_env=None, timeout=30.0):
    """Start ``script`` as ``record``'s plugin process under ``python`` and wait until ``host`` sees it live;
    a plugin that never goes live fails the test with its output."""
    from mockango import MockangoError

    proc = PluginProcess(
        python, script, host=host.url, plugin_id=record.id, secret=record.secret, log_path=log_path, extra_env=extra_env
    ).start()
    try:
        host.wait_live(record.id, timeout=timeout)
    except MockangoError as exc:
        proc.stop()
        pytest.fail(f"plugin never went live: {exc}\n{proc.describe()}")
    return proc
