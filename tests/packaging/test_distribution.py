"""The built distribution, as a user outside this checkout gets it.

Builds the sdist and, from it, the wheel (``python -m build``), checks both with
``twine check --strict``, installs the example plugin project into a clean venv with the
wheel as its only source of ``mockango-host`` (the name its pyproject depends on), then:
``mockango serve`` from that venv, the example plugin connected with the printed
environment, ``mockango run`` as printed, and the example project's own tests.
pip's cache makes the installs quick after the first run; nothing is kept between sessions.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time

import pytest

from tests.serving import command_after, split_command, start_serve, stop_process
from tests.support import ROOT, SAMPLE

pytestmark = pytest.mark.packaging

DISTRIBUTION = "mockango-host"
PIP_TIMEOUT = 600


def run(argv: list, *, timeout: float = PIP_TIMEOUT, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(map(str, argv))} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def base_python() -> str:
    """The interpreter under this project's venv, so the new venv shares nothing with it."""
    return getattr(sys, "_base_executable", None) or sys.executable


def test_the_wheel_installed_in_a_clean_venv_serves_runs_the_example_plugin_and_its_project_tests(tmp_path):
    """One test, so the distribution is built once (xdist would build it again on another worker)."""
    dist = tmp_path / "dist"
    built = run([sys.executable, "-m", "build", "--outdir", dist, ROOT])  # the sdist, then the wheel from it
    assert "deprecat" not in (built.stdout + built.stderr).lower(), built.stderr[-3000:]  # e.g. the old license table
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert [w.name.split("-")[0] for w in wheels] == ["mockango_host"]
    assert [s.name.split("-")[0] for s in sdists] == ["mockango_host"]
    checked = run([sys.executable, "-m", "twine", "check", "--strict", *wheels, *sdists], timeout=120)
    assert checked.stdout.count("PASSED") == 2, checked.stdout

    project = tmp_path / "plugin_project"
    shutil.copytree(
        ROOT / "examples" / "plugin_project",
        project,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"),
    )
    declared = json.loads(
        re.search(r"^dependencies = (\[.*?\])", (project / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    )
    assert declared == [DISTRIBUTION]

    venv = tmp_path / "venv"
    run([base_python(), "-m", "venv", venv], timeout=120)
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    # The wheel is the only place mockango-host can come from: it is not on PyPI.
    run([python, "-m", "pip", "install", "--quiet", "--find-links", dist, project, "pytest"])
    where = run(
        [python, "-c", "import mockango, plugin_client; print(mockango.__file__, plugin_client.__file__)"],
        cwd=tmp_path,
        timeout=60,
    ).stdout.split()
    assert all(path.startswith(str(venv)) for path in where), where
    assert "mockango, version" in run([bin_dir / "mockango", "--version"], timeout=60).stdout

    serve, banner = start_serve([str(bin_dir / "mockango")], tmp_path)
    plugin = None
    try:
        # A wheel has no examples/: the banner says how to run one's own script; we run the example.
        env, argv = split_command(
            command_after(
                banner, next(line for line in banner.splitlines() if line.startswith("Run your plugin against it"))
            )
        )
        assert argv == [str(python), "your_plugin.py"]
        plugin = subprocess.Popen(
            [str(python), str(SAMPLE)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        run_env, run_argv = split_command(command_after(banner, "Then start a run:"))
        assert run_argv[0] == str(bin_dir / "mockango")
        for _ in range(100):  # the plugin process takes a moment to connect
            result = subprocess.run(run_argv, env=run_env, capture_output=True, text=True, timeout=60)
            if "is not live" not in result.stderr:
                break
            assert plugin.poll() is None, stop_process(plugin)
            time.sleep(0.2)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "status:  succeeded" in result.stdout
        assert "message: All annotations are imported!" in result.stdout
    finally:
        if plugin is not None:
            stop_process(plugin, timeout=5)
        stop_process(serve)

    tests = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout


def test_make_serve_installs_only_the_runtime_dependencies(tmp_path):
    """`make serve` on a fresh clone: the package and what it needs to run; the test/bench extras only for test."""

    def planned(target: str) -> list[str]:
        dry = run(["make", "-n", "-C", ROOT, target, f"VENV={tmp_path / 'venv'}"], timeout=60)
        return [line for line in dry.stdout.splitlines() if "pip install" in line]

    serve = planned("serve")
    assert serve and all("[test" not in line and "bench]" not in line for line in serve), serve
    assert any(line.rstrip().endswith("-e .") for line in serve), serve
    assert any("'.[test,bench]'" in line for line in planned("test"))
