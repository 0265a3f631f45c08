"""Cancel a running session (issue 22): from Python, the control API and the CLI. It ends
`cancelled`; the plugin is not told (Ango's clients listen for no such event), so what it sends
afterwards is kept, marked late."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
import requests

from mockango import Conflict
from tests.e2e.test_cli_runs import cli_env
from tests.support import plugin_running

MOCKANGO = [sys.executable, "-m", "mockango.cli"]


def held_callback(release: threading.Event, started: threading.Event):
    def callback(data):
        data["logger"].info("working")
        started.set()
        release.wait(20)
        data["logger"].info("still working")
        return "done, too late"

    return callback


def wait_for(condition, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.02)


def test_a_running_session_cancelled_from_python_ends_cancelled_and_keeps_what_comes_late(host):
    plugin = host.create_plugin("Slow", class_names=["Vehicle"])
    release, started = threading.Event(), threading.Event()
    with plugin_running(host, plugin.id, plugin.secret, held_callback(release, started)):
        running = host.start_run(plugin.id)
        assert running.status == "running"
        assert started.wait(20)
        wait_for(lambda: running.refresh().logs)  # its first line arrived while it ran
        ended = running.cancel()
        assert (ended.status, ended.reason) == ("cancelled", f"cancelled by {host.hub.default_user.email}")
        assert running.status == "cancelled"
        release.set()
        wait_for(lambda: host.session(running.id).late_answers)
    after = host.session(running.id)
    assert after.status == "cancelled"
    assert [(e["msg"], e.get("late", False)) for e in after.logs] == [("working", False), ("still working", True)]
    assert after.late_answers[0]["response"] == "done, too late"
    with pytest.raises(Conflict, match=r"has ended \(cancelled\): only a running session can be cancelled"):
        running.cancel()
    assert [s.id for s in host.hub.page_sessions(host.hub.default_organization.id, status="cancelled")[0]] == [
        running.id
    ]


def test_cancel_over_the_control_api(host):
    plugin = host.create_plugin("Slow", class_names=["Vehicle"])
    release, started = threading.Event(), threading.Event()
    http = requests.Session()
    http.headers["apikey"] = host.api_key
    other = requests.Session()
    other.headers["apikey"] = host.create_organization("Elsewhere").api_key
    with plugin_running(host, plugin.id, plugin.secret, held_callback(release, started)):
        session = host.start_run(plugin.id)
        assert started.wait(20)
        assert other.post(f"{host.url}/api/sessions/{session.id}/cancel").status_code == 404
        answer = http.post(f"{host.url}/api/sessions/{session.id}/cancel")
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "cancelled"
        again = http.post(f"{host.url}/api/sessions/{session.id}/cancel")
        assert again.status_code == 409 and "has ended (cancelled)" in again.json()["message"]
        assert http.post(f"{host.url}/api/sessions/{'0' * 24}/cancel").status_code == 404
        release.set()
    listed = http.get(f"{host.url}/api/sessions", params={"status": "cancelled"}).json()
    assert [s["_id"] for s in listed["sessions"]] == [session.id]


def test_mockango_cancel_stops_a_run_and_follow_shows_it(host):
    plugin = host.create_plugin("Slow", class_names=["Vehicle"])
    release, started = threading.Event(), threading.Event()
    with plugin_running(host, plugin.id, plugin.secret, held_callback(release, started)):
        session = host.start_run(plugin.id)
        assert started.wait(20)
        done = subprocess.run(
            [*MOCKANGO, "cancel", session.id], env=cli_env(host), capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [
            f"session {session.id} cancelled",
            f"reason:  cancelled by {host.hub.default_user.email}",
        ]
        again = subprocess.run(
            [*MOCKANGO, "cancel", session.id], env=cli_env(host), capture_output=True, text=True, timeout=60
        )
        assert again.returncode == 1 and "has ended (cancelled)" in again.stderr
        followed = subprocess.run(
            [*MOCKANGO, "follow", session.id], env=cli_env(host), capture_output=True, text=True, timeout=60
        )
        release.set()
    assert followed.returncode == 1
    assert "status:  cancelled" in followed.stdout
