"""`mockango run` and `mockango follow` against a real host: whose time limit applies, and Ctrl+C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from mockango import MockAngo
from tests.serving import stop_process
from tests.support import plugin_running

pytestmark = pytest.mark.slow  # `mockango` processes

MOCKANGO = [sys.executable, "-m", "mockango.cli"]


def slow_callback(seconds: float, started: threading.Event | None = None):
    def callback(**data):
        data["logger"].info("working")
        if started is not None:
            started.set()
        time.sleep(seconds)
        return "done"

    return callback


def cli_env(host: MockAngo) -> dict:
    return {**os.environ, "MOCKANGO_URL": host.url, "MOCKANGO_API_KEY": host.api_key}


def test_run_without_timeout_obeys_the_hosts_run_timeout():
    with MockAngo(seed=1, run_timeout=1.0) as host:
        plugin = host.create_plugin("Slow", class_names=["Vehicle"])
        with plugin_running(host, plugin.id, plugin.secret, slow_callback(4)):
            result = subprocess.run(
                [*MOCKANGO, "run", "--plugin", plugin.id], env=cli_env(host), capture_output=True, text=True, timeout=60
            )
            assert result.returncode == 1, result.stdout + result.stderr
            assert "status:  timed_out" in result.stdout
            assert "within the run's time limit (1 s)" in result.stdout

            given = subprocess.run(
                [*MOCKANGO, "run", "--plugin", plugin.id, "--timeout", "30"],
                env=cli_env(host),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert given.returncode == 0, given.stdout + given.stderr
            assert "status:  succeeded" in given.stdout and "message: done" in given.stdout


def test_run_help_says_which_time_limit_applies():
    result = subprocess.run([*MOCKANGO, "run", "--help"], capture_output=True, text=True, timeout=30)
    assert "serve --run-timeout" in " ".join(result.stdout.split())


def test_ctrl_c_on_run_says_the_session_goes_on_and_how_to_follow_it():
    with MockAngo(seed=1) as host:
        plugin = host.create_plugin("Slow", class_names=["Vehicle"])
        started = threading.Event()
        with plugin_running(host, plugin.id, plugin.secret, slow_callback(3, started)):
            process = subprocess.Popen(
                [*MOCKANGO, "run", "--plugin", plugin.id],
                env=cli_env(host),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                first = process.stdout.readline()
                assert first.startswith("session ") and first.endswith(" started\n"), first
                session_id = first.split()[1]
                assert started.wait(10)
                process.send_signal(signal.SIGINT)
                out, err = process.communicate(timeout=10)
            finally:
                stop_process(process)
            assert process.returncode == 130
            assert "Aborted!" not in err
            assert f"Session {session_id} goes on running on the host" in err
            assert f"mockango follow {session_id} --url {host.url}" in err
            assert f"{host.url}/sessions/{session_id}" in err
            assert host.session(session_id).status == "running"

            followed = subprocess.run(
                [*MOCKANGO, "follow", session_id], env=cli_env(host), capture_output=True, text=True, timeout=60
            )
            assert followed.returncode == 0, followed.stdout + followed.stderr
            assert "INFO     working" in followed.stdout and "status:  succeeded" in followed.stdout


def test_a_run_request_without_plugin_names_the_missing_field(host):
    http = requests.Session()
    http.headers["apikey"] = host.api_key
    answer = http.post(f"{host.url}/api/runs", json={"plugn": "x", "project": host.project_id})
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert "'plugin'" in message and "'plugn'" in message, message
    assert host.sessions() == []
    missing = http.post(f"{host.url}/api/runs", json={"plugin": "x"})
    assert missing.status_code == 400
    assert missing.json()["message"] == "a run needs 'project': the id of the project to run it on"
