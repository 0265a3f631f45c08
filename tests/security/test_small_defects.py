"""Issue 17.7, the smaller defects, each against a real host: late answers that broke the session page,
a Socket.IO event with extra arguments, run keys that outlived their run, 405s without ``Allow``,
HTML on JSON routes, and a dashboard GET that wrote a file."""

from __future__ import annotations

import io
import queue
import time
import zipfile

import pytest
import requests
import socketio

NAMESPACE = "/plugin"


class RawPlugin:
    """A python-socketio client speaking for a plugin: it keeps the run events and ``error`` events it gets."""

    def __init__(self, host, plugin) -> None:
        self.events: queue.Queue = queue.Queue()
        self.errors: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("plugin", self.events.put, namespace=NAMESPACE)
        self.client.on("error", self.errors.put, namespace=NAMESPACE)
        self.client.connect(host.url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5)
        self.client.emit("heartbeat", {"id": plugin.id, "secret": plugin.secret}, namespace=NAMESPACE)
        host.wait_live(plugin.id, timeout=5)

    def emit(self, event: str, *args) -> None:
        self.client.emit(event, args if len(args) > 1 else args[0], namespace=NAMESPACE)

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def raw_plugin(host):
    plugin = host.create_plugin("raw", class_names=["Vehicle"])
    client = RawPlugin(host, plugin)
    try:
        yield client, plugin
    finally:
        client.close()


def _wait_for(check, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    return check()


@pytest.mark.parametrize("late", [{"message": "only a message"}, {"error": False}, {}])
def test_a_late_answer_without_response_keeps_the_session_page_working(host, raw_plugin, late):
    client, plugin = raw_plugin
    session = host.start_run(plugin.id, timeout=0.2)
    event = client.events.get(timeout=5)
    assert _wait_for(lambda: host.session(session.id).status == "timed_out")
    client.emit("response", {"session": session.id, **late})
    assert _wait_for(lambda: host.session(session.id).late_answers)
    page = requests.get(f"{host.url}/sessions/{session.id}", headers={"apikey": host.api_key}, timeout=10)
    assert page.status_code == 200, page.text[:500]
    assert "late" in page.text
    assert event["session"] == session.id


def test_a_late_answer_over_rest_without_response_keeps_the_session_page_working(host, raw_plugin):
    client, plugin = raw_plugin
    session = host.start_run(plugin.id, timeout=0.2)
    client.events.get(timeout=5)
    assert _wait_for(lambda: host.session(session.id).status == "timed_out")
    answer = requests.post(
        f"{host.url}/v2/pluginResponse", json={"session": session.id}, headers={"apikey": host.api_key}, timeout=10
    )
    assert answer.status_code in (200, 400), answer.text
    page = requests.get(f"{host.url}/sessions/{session.id}", headers={"apikey": host.api_key}, timeout=10)
    assert page.status_code == 200, page.text[:500]


@pytest.mark.parametrize("event", ["log", "response", "heartbeat"])
def test_an_event_with_extra_arguments_is_refused_saying_so(host, raw_plugin, event):
    client, plugin = raw_plugin
    client.emit(event, {"a": 1}, 2, 3)
    message = client.errors.get(timeout=5)
    assert "bug in mockango" not in message
    assert f"'{event}'" in message and "one argument" in message, message
    # The socket still works: a run goes through it.
    session = host.start_run(plugin.id, timeout=10)
    assert client.events.get(timeout=5)["session"] == session.id


def test_a_run_key_acts_only_while_its_run_is_running(host, raw_plugin):
    client, plugin = raw_plugin
    session = host.start_run(plugin.id, timeout=10)
    key = client.events.get(timeout=5)["apiKey"]
    with requests.Session() as run:
        run.headers["apikey"] = key
        assert run.get(f"{host.url}/v2/listProjects", timeout=10).status_code == 200  # while it runs
        client.emit("response", {"session": session.id, "response": "done"})
        assert _wait_for(lambda: host.session(session.id).status == "succeeded")
        refused = [
            run.get(f"{host.url}/v2/listProjects", timeout=10),
            run.get(f"{host.url}/api/plugins/{plugin.id}", timeout=10),  # would show the plugin's secret
            run.post(f"{host.url}/api/plugins", json={"name": "made by an old key"}, timeout=10),
            run.post(
                f"{host.url}/v2/pluginLog",
                json={"session": session.id, "level": "info", "msg": "after the end", "organization": "x"},
                timeout=10,
            ),
        ]
    for answer in refused:
        assert answer.status_code == 401, (answer.request.method, answer.request.url, answer.text[:300])
        assert "ended" in answer.json()["message"]
    assert "made by an old key" not in [p.name for p in host.hub.list_plugins(host.hub.default_organization.id)]
    assert [line["msg"] for line in host.session(session.id).logs] == []


@pytest.mark.parametrize(
    "method, path, allowed",
    [("DELETE", "/api/info", {"GET", "HEAD", "OPTIONS"}), ("PUT", "/v2/listProjects", {"GET", "HEAD", "OPTIONS"})],
)
def test_a_405_says_which_methods_are_allowed(host, method, path, allowed):
    answer = requests.request(method, host.url + path, headers={"apikey": host.api_key}, timeout=10)
    assert answer.status_code == 405
    assert {m.strip() for m in answer.headers["Allow"].split(",")} == allowed
    assert answer.json()["status"] == "error"


@pytest.mark.parametrize("path, target", [("/objects//x/y", "/objects/x/y"), ("/api//info", "/api/info")])
def test_a_double_slash_redirect_on_a_json_route_answers_json(host, path, target):
    answer = requests.get(host.url + path, headers={"apikey": host.api_key}, allow_redirects=False, timeout=10)
    assert answer.status_code == 308
    assert answer.headers["Location"].endswith(target)
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["status"] == "error" and target in answer.json()["message"]
    followed = requests.get(f"{host.url}/v2//listProjects", headers={"apikey": host.api_key}, timeout=10)
    assert followed.status_code == 200  # the redirect still takes a client where it meant to go


def test_the_dashboard_export_is_a_post_and_a_get_writes_nothing(host):
    files_before = len(host.hub.objects._memory)
    image = requests.get(f"{host.url}/projects/{host.project_id}/export", headers={"apikey": host.api_key}, timeout=10)
    assert image.status_code == 405 and "POST" in image.headers["Allow"]
    assert len(host.hub.objects._memory) == files_before  # what a same-site <img> can trigger stores nothing
    page = requests.get(f"{host.url}/projects/{host.project_id}", headers={"apikey": host.api_key}, timeout=10)
    assert 'method="post"' in page.text and 'id="export"' in page.text
    download = requests.post(
        f"{host.url}/projects/{host.project_id}/export", headers={"apikey": host.api_key}, timeout=30
    )
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.namelist()
