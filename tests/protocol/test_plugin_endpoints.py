"""``POST /v2/pluginLog`` and ``POST /v2/pluginResponse`` (ango-host-facts §3), as the official client calls them.

Header ``apikey`` = the run event's ``apiKey``; log fields ``level, organization,
pluginId, runBy, session, msg`` (+ extras); the answer is 2xx with a JSON body (the
official 1.4.10 client raises inside its logger otherwise). The session is kept
running by a real plugin_client REST plugin whose callback waits.
"""

from __future__ import annotations

import threading

import pytest
import requests

from mockango import MockAngo

from .clients import free_port, wait_until

LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


@pytest.fixture
def running(start_client):
    """(mock, session, event) with a session that stays running until the test ends."""
    release = threading.Event()
    received = []

    def waits(data):
        received.append({k: v for k, v in data.items() if k != "logger"})
        release.wait(10)
        return "late"

    with MockAngo(seed=1, run_timeout=20) as mock:
        mock.hub.rest_plugins.interval = 0.1
        port = free_port()
        plugin = mock.create_plugin("Waits", callback_url=f"http://127.0.0.1:{port}")
        start_client(mock.url, plugin.id, plugin.secret, waits, connector="REST", port=port)
        mock.wait_live(plugin.id, timeout=5)
        session = mock.start_run(plugin.id)
        wait_until(lambda: received, 5, "the run event reaches the plugin")
        yield mock, session, received[0]
        release.set()


def _log(event: dict, **fields) -> dict:
    return {
        "level": "INFO",
        "organization": event["orgId"],
        "pluginId": "p",
        "runBy": event["runBy"],
        "session": event["session"],
        "msg": "hello",
        **fields,
    }


def test_plugin_log_takes_the_official_fields_in_order(running):
    mock, session, event = running
    url, headers = f"{mock.url}/v2/pluginLog", {"apikey": event["apiKey"]}
    for level in LEVELS:
        answer = requests.post(url, json=_log(event, level=level, msg=f"at {level}"), headers=headers, timeout=5)
        assert answer.status_code == 200 and answer.json()["status"] == "success"
    extra = requests.post(url, json=_log(event, msg="with extra", step=3), headers=headers, timeout=5)
    assert extra.status_code == 200
    logs = mock.session(session.id).logs
    assert [(e["level"], e["msg"]) for e in logs] == [(lv, f"at {lv}") for lv in LEVELS] + [("INFO", "with extra")]
    assert logs[-1]["step"] == 3 and logs[-1]["organization"] == event["orgId"]


def test_plugin_log_needs_the_run_key_and_a_known_session(running):
    mock, session, event = running
    url = f"{mock.url}/v2/pluginLog"
    assert requests.post(url, json=_log(event), timeout=5).status_code == 401
    assert requests.post(url, json=_log(event), headers={"apikey": "nope"}, timeout=5).status_code == 401
    unknown = requests.post(url, json=_log(event, session="f" * 24), headers={"apikey": event["apiKey"]}, timeout=5)
    assert unknown.status_code == 404 and "not found" in unknown.json()["message"]
    rival = mock.create_organization("Rival")
    other = requests.post(url, json=_log(event), headers={"apikey": rival.api_key}, timeout=5)
    assert other.status_code == 404
    assert mock.session(session.id).logs == []


def test_plugin_response_ends_the_session(running):
    mock, session, event = running
    answer = requests.post(
        f"{mock.url}/v2/pluginResponse",
        json={"response": "done", "session": session.id},
        headers={"apikey": event["apiKey"]},
        timeout=5,
    )
    assert answer.status_code == 200
    assert answer.json() == {"status": "success", "data": {"session": session.id, "status": "succeeded"}}
    assert mock.session(session.id).message == "done"


def test_plugin_response_with_error_fails_the_session(running):
    mock, session, event = running
    answer = requests.post(
        f"{mock.url}/v2/pluginResponse",
        json={"error": True, "session": session.id},
        headers={"apikey": event["apiKey"]},
        timeout=5,
    )
    assert answer.status_code == 200 and answer.json()["data"]["status"] == "failed"
    assert (
        requests.post(
            f"{mock.url}/v2/pluginResponse", json={"error": True, "session": session.id}, timeout=5
        ).status_code
        == 401
    )
