"""The REST connector (ango-host-facts §3) end to end: real HTTP both ways over 127.0.0.1.

The host (mockango/runs/rest_plugins.py) polls ``GET {url}/heartbeat`` and sends runs as
``POST {url}/plugin``; the plugin (plugin_client/rest_connector.py, or the official
``imerit_ango`` 1.4.10 in its own venv) serves those routes and posts its logs to
``/v2/pluginLog``.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mockango import Hub, MockAngo, MockangoError
from plugin_client import BatchModelPlugin
from plugin_client.rest_connector import RestConnector

from .clients import (
    BOX,
    DEFAULT_CONFIG,
    ENDED,
    FAILURE,
    STARTED,
    failing_callback,
    free_port,
    heartbeat_status,
    seed_callback,
    wait_until,
)

POLL = 0.1  # seconds between the host's heartbeat checks in these tests
LOG_FIELDS = {"level", "organization", "pluginId", "runBy", "session", "msg"}


@pytest.fixture
def mock():
    with MockAngo(seed=1, run_timeout=20) as host:
        host.hub.rest_plugins.interval = POLL
        yield host


def _rest_plugin(mock, port: int):
    return mock.create_plugin(
        "REST model",
        class_names=["Vehicle", "Person"],
        default_config=DEFAULT_CONFIG,
        callback_url=f"http://127.0.0.1:{port}",
    )


def _context(session) -> str:
    return f"status={session.status!r} message={session.message!r} reason={session.reason!r} logs={session.logs!r}"


def _check_seed_run(mock, session) -> None:
    assert session.status == "succeeded", _context(session)
    assert session.message == "All annotations are imported!"
    assert [(e["level"], e["msg"]) for e in session.logs] == [("INFO", STARTED), ("INFO", ENDED)]
    for entry in session.logs:
        assert LOG_FIELDS <= set(entry), entry
        assert entry["session"] == session.id and entry["pluginId"] == session.plugin_id
        assert entry["organization"] == session.organization_id and entry["runBy"] == session.run_by
    assets = mock.assets()
    labeled = [a for a in assets if a["isPreLabeled"]]
    assert [a["_id"] for a in labeled] == [a["_id"] for a in assets[:10]], "the first 10 assets get labels"
    vehicle = next(t["schemaId"] for t in mock.hub.default_project.tools() if t["title"] == "Vehicle")
    for asset in labeled:
        assert asset["labels"]["externalId"] == asset["externalId"]
        assert asset["labels"]["objects"] == [{"schemaId": vehicle, "bounding-box": BOX}]
        assert asset["labeledBySession"] == session.id


# ------------------------------------------------------------------------------------ plugin_client


def test_plugin_client_rest_round_trip(mock, start_client, monkeypatch):
    port = free_port()
    plugin = _rest_plugin(mock, port)
    callback = seed_callback(monkeypatch, mock.url, plugin.id, plugin.secret)
    start_client(mock.url, plugin.id, plugin.secret, callback, connector="REST", port=port)
    mock.wait_live(plugin.id, timeout=5)
    assert mock.hub.list_plugins(plugin.organization_id)[0].to_dict(live=True)["callbackUrl"].endswith(str(port))

    session = mock.run(plugin.id, class_mapping={"Vehicle": "Vehicle"}, timeout=10)
    _check_seed_run(mock, session)
    assert mock.is_live(plugin.id), "a plugin stays live after a run"


def test_wrong_secret_gets_401_and_never_goes_live(mock, start_client):
    port = free_port()
    plugin = _rest_plugin(mock, port)
    start_client(mock.url, plugin.id, "not-the-secret", failing_callback, connector="REST", port=port)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: heartbeat_status(url) == 401, 5, "the plugin serves")

    for secret in (plugin.secret, None, ""):
        headers = {} if secret is None else {"Secret": secret}
        heartbeat = requests.get(f"{url}/heartbeat", headers=headers, timeout=2)
        assert heartbeat.status_code == 401 and "detail" in heartbeat.json()
        run = requests.post(f"{url}/plugin", json={"session": "x"}, headers=headers, timeout=2)
        assert run.status_code == 401 and "detail" in run.json()
    assert requests.get(f"{url}/heartbeat", headers={"Secret": "not-the-secret"}, timeout=2).json() == "ok"

    with pytest.raises(MockangoError, match="401"):  # the reason names what the heartbeat got
        mock.wait_live(plugin.id, timeout=3 * POLL + 0.5)
    assert not mock.is_live(plugin.id)
    with pytest.raises(MockangoError, match="not live"):
        mock.start_run(plugin.id, class_mapping={"Vehicle": "Vehicle"})


def test_callback_raises_fails_the_session_with_traceback(mock, start_client):
    port = free_port()
    plugin = _rest_plugin(mock, port)
    start_client(mock.url, plugin.id, plugin.secret, failing_callback, connector="REST", port=port)
    mock.wait_live(plugin.id, timeout=5)

    session = mock.run(plugin.id, class_mapping={"Vehicle": "Vehicle"}, timeout=10)
    assert session.status == "failed", _context(session)
    assert "HTTP 500" in session.reason and "callback probably raised" in session.reason
    assert [e["level"] for e in session.logs] == ["INFO", "ERROR"]
    assert session.logs[0]["msg"] == STARTED
    assert "Traceback (most recent call last)" in session.logs[1]["msg"]
    assert f"RuntimeError: {FAILURE}" in session.logs[1]["msg"]
    assert not any(a["isPreLabeled"] for a in mock.assets())
    assert mock.is_live(plugin.id), "a failed run does not take the plugin down"


def test_stopped_plugin_is_not_live_within_bounded_time(mock, start_client):
    port = free_port()
    plugin = _rest_plugin(mock, port)
    client = start_client(mock.url, plugin.id, plugin.secret, failing_callback, connector="REST", port=port)
    mock.wait_live(plugin.id, timeout=5)

    client.stop()  # asserts that run() returned once stop() was called
    bound = POLL + mock.hub.rest_plugins.timeout + 0.5
    wait_until(lambda: not mock.is_live(plugin.id), bound, "the host notices the plugin is gone")
    assert "heartbeat" in mock.hub.rest_plugins.last_problem[plugin.id]


def test_run_to_a_plugin_that_is_gone_fails_clearly(mock, start_client):
    port = free_port()
    plugin = _rest_plugin(mock, port)
    client = start_client(mock.url, plugin.id, plugin.secret, failing_callback, connector="REST", port=port)
    mock.wait_live(plugin.id, timeout=5)
    mock.hub.rest_plugins.interval = 30  # the host cannot notice the plugin is gone before the run starts
    time.sleep(3 * POLL)  # (the heartbeat loop is now in its long wait)
    client.stop()

    session = mock.run(plugin.id, class_mapping={"Vehicle": "Vehicle"}, timeout=10)
    assert session.status == "failed", _context(session)
    assert session.reason.startswith(f"could not reach the plugin at http://127.0.0.1:{port}/plugin")


def test_slow_plugin_times_out_and_start_run_does_not_wait(mock, start_client):
    port = free_port()
    plugin = _rest_plugin(mock, port)

    def slow(**data):
        time.sleep(1.0)
        return "too late"

    start_client(mock.url, plugin.id, plugin.secret, slow, connector="REST", port=port)
    mock.wait_live(plugin.id, timeout=5)
    session = mock.start_run(plugin.id, timeout=0.3)
    # Had start_run waited for the 1 s answer, the 0.3 s limit would have ended the session by now.
    assert mock.session(session.id).status == "running", "start_run must not wait for the plugin's answer"
    assert mock.hub.wait_session(session.id).status == "timed_out"
    time.sleep(1.0)  # the late answer changes nothing
    assert mock.session(session.id).status == "timed_out"


def test_plugin_answers_that_are_not_a_run_result_fail_the_session(mock):
    """A callback URL that answers heartbeats but not runs properly (here: no JSON object)."""

    @Request.application
    def odd_plugin(request):
        if request.path == "/heartbeat":
            return Response('"ok"', mimetype="application/json")
        return Response("[1, 2]", mimetype="application/json")

    server = make_server("127.0.0.1", 0, odd_plugin, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        plugin = _rest_plugin(mock, server.server_port)
        mock.wait_live(plugin.id, timeout=5)
        session = mock.run(plugin.id, timeout=5)
        assert session.status == "failed" and "not a JSON object" in session.reason, _context(session)
    finally:
        server.shutdown()
        server.server_close()


def test_control_api_registers_a_callback_url(mock):
    headers = {"apikey": mock.api_key}
    created = requests.post(
        f"{mock.url}/api/plugins",
        headers=headers,
        timeout=5,
        json={"name": "REST via API", "callbackUrl": "http://127.0.0.1:9/"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["callbackUrl"] == "http://127.0.0.1:9/" and created.json()["live"] is False
    listed = requests.get(f"{mock.url}/api/plugins", headers=headers, timeout=5).json()["plugins"]
    assert [p["callbackUrl"] for p in listed] == ["http://127.0.0.1:9/"]
    wrong = requests.post(
        f"{mock.url}/api/plugins", headers=headers, timeout=5, json={"name": "bad", "callbackUrl": "127.0.0.1:9"}
    )
    assert wrong.status_code == 400 and "callbackUrl" in wrong.json()["message"]


def test_hub_stops_its_heartbeat_thread():
    with MockAngo() as host:
        host.create_plugin("REST", callback_url="http://127.0.0.1:9")
        assert host.hub.rest_plugins.running
    assert not host.hub.rest_plugins.running
    with MockAngo() as host:  # and with no callback-URL plugin left, it ends by itself
        host.hub.rest_plugins.interval = 0.05
        plugin = host.create_plugin("REST", callback_url="http://127.0.0.1:9")
        host.hub.delete_plugin(plugin.organization_id, plugin.id)
        wait_until(lambda: not host.hub.rest_plugins.running, 2, "the heartbeat thread ends")


def test_rest_connector_port_and_bind_from_environment(monkeypatch):
    plugin = BatchModelPlugin("5f0e9c3a1b2c3d4e5f6a3333", "s3cret", failing_callback)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.setenv("PORT", "0")
    connector = RestConnector(plugin, "http://127.0.0.1:9")
    try:
        assert connector.port > 0 and connector.url == f"http://127.0.0.1:{connector.port}"
    finally:
        connector.stop()  # before serve_forever: returns at once, and serve_forever then does nothing
    serving = threading.Thread(target=connector.serve_forever, daemon=True)
    serving.start()
    serving.join(timeout=10)
    assert not serving.is_alive(), "serve_forever after stop() must return, not serve"


def test_rest_connector_on_a_taken_port_raises(monkeypatch):
    plugin = BatchModelPlugin("5f0e9c3a1b2c3d4e5f6a3333", "s3cret", failing_callback)
    first = RestConnector(plugin, "http://127.0.0.1:9", port=0)
    try:
        monkeypatch.setenv("PORT", str(first.port))
        with pytest.raises(OSError, match="set PORT to a free port"):
            RestConnector(plugin, "http://127.0.0.1:9")
    finally:
        first.stop()


def test_callback_url_plugins_of_a_restored_hub_are_checked(start_client, tmp_path):
    """A Hub loaded from a state file gets its callback-URL plugins checked once it is served."""
    port = free_port()
    first = Hub(seed=1, state=tmp_path / "state.sqlite3")
    plugin = first.create_plugin("REST", callback_url=f"http://127.0.0.1:{port}")
    first.close_store()
    second = Hub(seed=1, state=tmp_path / "state.sqlite3")
    with MockAngo(hub=second) as mock:
        mock.hub.rest_plugins.interval = POLL
        start_client(mock.url, plugin.id, plugin.secret, failing_callback, connector="REST", port=port)
        mock.wait_live(plugin.id, timeout=5)
