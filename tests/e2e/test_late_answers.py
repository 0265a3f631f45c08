"""A run that timed out says what is known, and what the plugin sends afterwards is kept, marked late."""

from __future__ import annotations

import threading
import time
from importlib import metadata

import requests

from tests.support import held_callback, plugin_running


def test_a_slow_plugin_client_run_times_out_with_what_is_known_and_its_late_answer_is_kept(host, demo_plugin):
    release = threading.Event()
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, held_callback(release, "done, late")):
        session = host.run(demo_plugin.id, timeout=0.5)
        assert session.status == "timed_out"
        version = metadata.version("mockango-host")
        assert session.reason.startswith(
            "no response came back from the plugin within the run's time limit (0.5 s); the plugin is still "
            f"connected (plugin_client {version}); plugin_client answers even when the callback raises, so the "
            "callback was still running")
        assert session.reason.endswith(": INFO working")
        assert "1.1.x" not in session.reason
        release.set()
        deadline = time.monotonic() + 10
        while not host.session(session.id).late_answers and time.monotonic() < deadline:
            time.sleep(0.02)
    ended = host.session(session.id)
    assert ended.status == "timed_out" and ended.message is None
    assert [(e["msg"], e.get("late", False)) for e in ended.logs] == [("working", False), ("finishing", True)]
    (late,) = ended.late_answers
    assert late["response"] == "done, late" and late["session"] == session.id and late["time"]

    http = requests.get(f"{host.url}/api/sessions/{session.id}", headers={"apikey": host.api_key}).json()
    assert http["lateAnswers"][0]["response"] == "done, late"
    assert http["logs"][1]["late"] is True
