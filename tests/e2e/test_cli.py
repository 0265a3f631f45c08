"""The README's walkthrough, as a user types it: `mockango serve`, the printed plugin command, `mockango run`."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

MOCKANGO = [sys.executable, "-m", "mockango.cli"]


def start_serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    """Start `mockango serve` on a free port; return it and what it printed up to the prompt."""
    process = subprocess.Popen([*MOCKANGO, "serve", "--port", "0", "--state", str(tmp_path / "state.sqlite3"), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    lines = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Press Ctrl+C to stop." in line:
            return process, "".join(lines)
    process.kill()
    pytest.fail("mockango serve did not start:\n" + "".join(lines))


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=10)
    return out


def printed(banner: str, label: str) -> str:
    return re.search(rf"{label}:\s+(\S+)", banner).group(1)


def command_after(banner: str, heading: str) -> str:
    lines = banner.splitlines()
    return lines[lines.index(heading) + 1].strip()


def test_walkthrough_serve_example_plugin_run(tmp_path):
    serve, banner = start_serve(tmp_path)
    plugin_process = None
    try:
        assert re.search(r"mockango is serving at http://127\.0\.0\.1:\d+", banner)
        plugin_command = command_after(banner, "Run the example plugin against it:")
        run_command = command_after(banner, "Then start a run:")
        assignments = shlex.split(plugin_command)
        env = dict(os.environ)
        while "=" in assignments[0]:
            key, _, value = assignments.pop(0).partition("=")
            env[key] = value
        plugin_process = subprocess.Popen(assignments, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True)
        run_words = shlex.split(run_command)
        run_env = dict(os.environ)
        while "=" in run_words[0]:
            key, _, value = run_words.pop(0).partition("=")
            run_env[key] = value
        assert Path(run_words[0]).name == "mockango"
        started = time.monotonic()
        while True:  # the plugin process takes a moment to connect
            result = subprocess.run([*MOCKANGO, *run_words[1:]], env=run_env, capture_output=True, text=True,
                                    timeout=60)
            if "is not live" not in result.stderr or time.monotonic() - started > 20:
                break
            time.sleep(0.2)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "INFO     Plugin session is started!" in result.stdout
        assert "INFO     Plugin session is ended!" in result.stdout
        assert "status:  succeeded" in result.stdout
        assert "message: All annotations are imported!" in result.stdout

        unmapped = subprocess.run([*MOCKANGO, *[w for w in run_words[1:] if w not in ("--map", "Vehicle=Vehicle")],
                                   "--config", "{not json"], env=run_env, capture_output=True, text=True, timeout=30)
        assert unmapped.returncode == 2
        assert "Invalid value for --config: not valid JSON" in unmapped.stderr
    finally:
        if plugin_process is not None:
            plugin_process.kill()
            plugin_process.wait()
        stop(serve)


def test_restart_keeps_plugin_credentials_and_key(tmp_path):
    serve, first = start_serve(tmp_path)
    assert "state kept in" in first
    stop(serve)
    serve, second = start_serve(tmp_path)
    try:
        assert "restored from" in second
        for label in ("API key", "Plugin", "Plugin secret", "Project"):
            assert printed(first, label) == printed(second, label)
    finally:
        stop(serve)
    serve, fresh = start_serve(tmp_path, "--fresh")
    try:
        assert printed(fresh, "Plugin secret") != printed(first, "Plugin secret")
    finally:
        stop(serve)


def test_run_without_a_server_says_how_to_start_one(tmp_path):
    result = subprocess.run([*MOCKANGO, "run", "--plugin", "x", "--url", "http://127.0.0.1:9", "--api-key", "k"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "no mockango answers at http://127.0.0.1:9: start one with `mockango serve`" in result.stderr


def test_serve_on_a_busy_port_says_what_to_do(tmp_path):
    serve, banner = start_serve(tmp_path)
    try:
        port = re.search(r"127\.0\.0\.1:(\d+)", banner).group(1)
        busy = subprocess.run([*MOCKANGO, "serve", "--port", port, "--state", str(tmp_path / "other.sqlite3")],
                              capture_output=True, text=True, timeout=30)
        assert busy.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr and "--port" in busy.stderr
    finally:
        stop(serve)


def test_validate_reports_every_error_and_exits_1(tmp_path):
    from click.testing import CliRunner

    from mockango import Hub
    from mockango.cli import main

    demo = Hub(seed=0)
    first = demo.project_assets(demo.default_project.id)[0]["externalId"]
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([
        {"externalId": first, "objects": [{"title": "Vehicle", "bounding-box": {"x": 1, "y": 2, "width": -5, "height": 4}}]},
        {"externalId": "nope.png", "classifications": [{"title": "Weather", "answer": "Snow"}]}]))
    result = CliRunner().invoke(main, ["validate", str(labels)])
    assert result.exit_code == 1
    assert "jsonContent[0].objects[0].bounding-box.width" in result.output
    assert "-5 is less than 0" in result.output
    assert "jsonContent[1].externalId" in result.output
    assert "'Snow' is not an option of radio 'Weather'" in result.output

    good = tmp_path / "good.json"
    good.write_text(json.dumps({"project": "x", "jsonContent": [
        {"externalId": first, "objects": [{"title": "Person", "bounding-box": {"x": 1, "y": 2, "width": 5, "height": 4}}]}]}))
    ok = CliRunner().invoke(main, ["validate", str(good), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"] is True


def test_validate_against_a_fixture_ontology_without_assets(tmp_path):
    from click.testing import CliRunner

    from mockango.cli import main

    labels = tmp_path / "labels.json"
    labels.write_text("[{\"externalId\": \"anything.jpg\", \"objects\": [{\"schemaId\": \"no-such-tool\", \"point\": [1, 2]}]}]")
    result = CliRunner().invoke(main, ["validate", str(labels), "--project", "kitchen-sink"])
    assert result.exit_code == 1
    assert "[unknown_schema_id]" in result.output
    assert "asset references and image bounds were not checked" in result.output
    missing = CliRunner().invoke(main, ["validate", str(tmp_path / "absent.json")])
    assert missing.exit_code == 1 and "cannot read label file" in missing.output
