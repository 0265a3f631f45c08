"""A run that timed out says what is known, and what the plugin sends afterwards is kept, marked late."""

from __future__ import annotations

import threading
import time

import requests

from tests.support import held_callback, plugin_running


def test_a_slow_plugin_client_run_times_out_with_what_is_known_and_its_late_answer_is_kept(host, demo_plugin):
    release = threading.Event()
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, held_callback(release, "done, late")):
        session = host.run(demo_plugin.id, timeout=0.5)
        assert session.status == "timed_out"
        assert session.reason.startswith(
            "no response came back from the plugin within the run's time limit (0.5 s); the plugin is still "
            "connected: its callback was still running"
        )
        assert "it made no REST call with the run's key" in session.reason
        assert "its last log line (" in session.reason and "): INFO working;" in session.reason
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


def test_a_timed_out_reason_names_the_http_client_of_the_runs_rest_calls(host, demo_plugin):
    from plugin_client import SDK

    release = threading.Event()

    def calls_then_holds(**data):
        SDK(data["apiKey"], host.url).get_assets(data["projectId"], limit=1)
        release.wait(10)
        return "late"

    with plugin_running(host, demo_plugin.id, demo_plugin.secret, calls_then_holds):
        session = host.run(demo_plugin.id, timeout=0.5)
        release.set()
    assert session.status == "timed_out"
    assert f"its REST calls with the run's key came from python-requests/{requests.__version__};" in session.reason
    assert "it logged nothing for this session" in session.reason
