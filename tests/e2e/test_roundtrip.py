"""The whole round trip over loopback: real Socket.IO, real HTTP, the seed's sample script."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests
import socketio

from mockango import Conflict, Hub, InvalidRequest, NotFound
from mockango.web.plugin_socket import PluginNamespace
from plugin_client import SDK, PluginRefused, SDKError
from tests.support import DEMO_CONFIG, WAIT, plugin_running


def test_seed_sample_labels_the_first_ten_assets(host, sample_plugin):
    session = host.run(sample_plugin.id, class_mapping={"Vehicle": "Vehicle"}, timeout=30)

    assert session.status == "succeeded"
    assert session.message == "All annotations are imported!"
    assert [(log["level"], log["msg"]) for log in session.logs] == [
        ("INFO", "Plugin session is started!"),
        ("INFO", "Plugin session is ended!"),
    ]
    vehicle = next(t for t in host.hub.default_project.tools() if t["title"] == "Vehicle")
    assets = host.assets()
    labelled = [a for a in assets if a["isPreLabeled"]]
    assert [a["_id"] for a in labelled] == [a["_id"] for a in assets[:10]]
    for asset in labelled:
        assert asset["labels"]["objects"] == [
            {"schemaId": vehicle["schemaId"], "bounding-box": DEMO_CONFIG["dummy-bounding-box"]}
        ]
        assert asset["labeledBySession"] == session.id
    assert len(session.imports) == 1


def test_run_event_carries_every_field(host, demo_plugin):
    received = []
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda data: received.append(data) or "ok"):
        batch = host.hub.default_project.batches[1]
        session = host.run(
            demo_plugin.id,
            class_mapping={"Vehicle": "Vehicle", "Person": "Person"},
            config='{"threshold": 0.5}',
            batches=[batch.name],
            timeout=10,
        )
    assert session.status == "succeeded" and session.message == "ok"
    event = received[0]
    tools = {t["title"]: t["schemaId"] for t in host.hub.default_project.tools()}
    assert event["projectId"] == host.project_id
    assert event["categorySchema"] == [
        {"schemaId": tools["Vehicle"], "modelClass": "Vehicle"},
        {"schemaId": tools["Person"], "modelClass": "Person"},
    ]
    assert event["configJSON"] == '{"threshold": 0.5}'
    assert event["batches"] == event["tags"] == [batch.id]
    assert event["session"] == session.id
    assert event["orgId"] == host.hub.default_organization.id
    assert event["runBy"] == host.hub.default_user.id
    assert event["apiKey"] and event["logger"] is not None


def test_unmapped_classes_send_null_category_schema(host, sample_plugin):
    session = host.run(sample_plugin.id, timeout=30)
    assert session.event["categorySchema"] is None
    assert session.status == "succeeded"
    assert session.message == "Please complete class mapping!"
    assert [log["msg"] for log in session.logs] == [
        "Plugin session is started!",
        "Please complete class mapping!",
        "Plugin session is ended!",
    ]
    assert session.logs[1]["level"] == "WARNING"
    assert not any(a["isPreLabeled"] for a in host.assets())


def test_wrong_secret_is_refused_and_never_gets_a_run(host, demo_plugin):
    calls = []
    with plugin_running(host, demo_plugin.id, "not-the-secret", calls.append, wait_live=False) as (_, thread, errors):
        thread.join(timeout=10)
        assert not thread.is_alive(), "run() should stop when the host refuses the plugin"
    assert len(errors) == 1 and isinstance(errors[0], PluginRefused)
    assert "wrong secret" in str(errors[0])
    assert not host.is_live(demo_plugin.id)
    with pytest.raises(Conflict, match="not live"):
        host.start_run(demo_plugin.id)
    assert calls == []


def test_raw_socket_with_wrong_secret_gets_error_event_then_disconnect(host, demo_plugin):
    client = socketio.Client(reconnection=False)
    got = {"errors": [], "runs": [], "disconnected": threading.Event()}
    client.on("error", lambda msg: got["errors"].append(msg), namespace="/plugin")
    client.on("plugin", lambda event: got["runs"].append(event), namespace="/plugin")
    client.on("disconnect", lambda *a: got["disconnected"].set(), namespace="/plugin")
    client.connect(host.url, namespaces=["/plugin"], transports=["websocket"])
    client.emit("heartbeat", {"id": demo_plugin.id, "secret": "wrong"}, namespace="/plugin")
    assert got["disconnected"].wait(5)
    client.disconnect()
    assert got["errors"] == ["plugin authentication failed: unknown plugin id or wrong secret"]
    assert got["runs"] == [] and not host.is_live(demo_plugin.id)


def test_invalid_config_starts_nothing(host, sample_plugin):
    with pytest.raises(InvalidRequest, match="'config' is not valid JSON"):
        host.start_run(sample_plugin.id, class_mapping={"Vehicle": "Vehicle"}, config="{not json")
    assert host.sessions() == []


@pytest.mark.parametrize(
    "mapping, message",
    [
        (
            {"Bike": "Vehicle"},
            "class 'Bike' is not one of the classes of plugin 'Demo detector': ['Vehicle', 'Person']",
        ),
        ({"Vehicle": "Truck"}, "mapped to 'Truck', which is not a tool of project 'Demo detection'"),
    ],
)
def test_bad_class_mapping_starts_nothing(host, sample_plugin, mapping, message):
    with pytest.raises(InvalidRequest, match=re.escape(message)):
        host.start_run(sample_plugin.id, class_mapping=mapping)
    assert host.sessions() == []


def test_unknown_plugin_or_project(host, sample_plugin):
    with pytest.raises(NotFound, match="plugin 'ffffffffffffffffffffffff' not found"):
        host.start_run("ffffffffffffffffffffffff")
    with pytest.raises(NotFound, match="project 'nope' not found"):
        host.start_run(sample_plugin.id, "nope")


def test_callback_exception_fails_the_session_and_the_plugin_stays_up(host, demo_plugin):
    def flaky(**data):
        if data["configJSON"] == '"boom"':
            raise RuntimeError("model weights missing")
        data["logger"].info("fine")
        return "done"

    with plugin_running(host, demo_plugin.id, demo_plugin.secret, flaky):
        failed = host.run(demo_plugin.id, config='"boom"', timeout=10)
        assert failed.status == "failed"
        assert failed.logs[-1]["level"] == "ERROR"
        assert "Traceback (most recent call last)" in failed.logs[-1]["msg"]
        assert "RuntimeError: model weights missing" in failed.logs[-1]["msg"]
        again = host.run(demo_plugin.id, timeout=10)
    assert again.status == "succeeded" and again.message == "done"


def test_plugin_disconnecting_mid_run_fails_the_session(host, demo_plugin):
    started = threading.Event()
    release = threading.Event()

    def slow(data):
        started.set()
        release.wait(10)
        return "too late"

    with plugin_running(host, demo_plugin.id, demo_plugin.secret, slow) as (plugin, thread, _):
        session = host.start_run(demo_plugin.id)
        assert started.wait(5)
        plugin.stop()
        ended = host.hub.wait_session(session.id, timeout=10)
        release.set()
    assert ended.status == "failed"
    assert ended.reason == "the plugin disconnected before it answered"


def test_run_times_out_when_nothing_comes_back(host, demo_plugin):
    release = threading.Event()
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda data: release.wait(5) and "late"):
        session = host.run(demo_plugin.id, timeout=0.3)
        release.set()
    assert session.status == "timed_out"
    assert "within the run's time limit (0.3 s)" in session.reason


def test_each_run_goes_to_exactly_one_of_several_sockets(host, demo_plugin):
    seen = {"a": 0, "b": 0}
    lock = threading.Lock()

    def counter(name):
        def callback(data):
            with lock:
                seen[name] += 1
            return name

        return callback

    with plugin_running(host, demo_plugin.id, demo_plugin.secret, counter("a")):
        with plugin_running(host, demo_plugin.id, demo_plugin.secret, counter("b")):
            deadline = time.monotonic() + WAIT
            while host.hub.connection_count(demo_plugin.id) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            sessions = [host.run(demo_plugin.id, timeout=10) for _ in range(6)]
    assert all(s.status == "succeeded" for s in sessions)
    assert seen["a"] + seen["b"] == 6
    assert seen["a"] > 0 and seen["b"] > 0


def test_invalid_labels_are_refused_with_paths_and_nothing_is_stored(host):
    host.hub.strict = True  # the negative width refuses only in strict mode (its evidence is unknown)
    sdk = SDK(host.api_key, host.url)
    assets = sdk.get_assets(host.project_id)["data"]["assets"]
    vehicle = next(t for t in host.hub.default_project.tools() if t["title"] == "Vehicle")
    labels = [
        {
            "externalId": assets[0]["externalId"],
            "objects": [{"schemaId": vehicle["schemaId"], "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}],
        },
        {
            "externalId": assets[1]["externalId"],
            "objects": [{"schemaId": vehicle["schemaId"], "bounding-box": {"x": 1, "y": 2, "width": -5, "height": 4}}],
        },
        {"externalId": "no-such-asset.png", "objects": []},
    ]
    with pytest.raises(SDKError) as caught:
        sdk.import_labels(host.project_id, labels)
    error = caught.value
    assert error.status == 400
    paths = {e["path"] for e in error.errors}
    assert "jsonContent[1].objects[0].bounding-box.width" in paths
    assert any(p.startswith("jsonContent[2]") for p in paths)
    assert "jsonContent[1].objects[0].bounding-box.width" in error.message
    assert [(w["path"], w["code"]) for w in error.body["warnings"]] == [("jsonContent[2]", "empty_item")]
    assert all(set(e) == {"path", "code", "message"} for e in error.errors)
    assert not any(a["isPreLabeled"] for a in host.assets())


def test_by_default_an_unknown_rule_is_a_warning_and_the_import_is_stored(host):
    """Without strict mode, the negative width (a rule whose evidence is unknown) is a warning in the answer."""
    sdk = SDK(host.api_key, host.url)
    asset = host.assets()[1]
    vehicle = next(t for t in host.hub.default_project.tools() if t["title"] == "Vehicle")
    box = {"x": 1, "y": 2, "width": -5, "height": 4}
    answer = sdk.import_labels(
        host.project_id,
        [{"externalId": asset["externalId"], "objects": [{"schemaId": vehicle["schemaId"], "bounding-box": box}]}],
    )
    warnings = answer["data"]["imported"]["warnings"]
    assert [(w["path"], w["code"]) for w in warnings] == [("jsonContent[0].objects[0].bounding-box.width", "too_small")]
    assert host.assets()[1]["labels"]["objects"][0]["bounding-box"] == box


def test_import_replaces_the_previous_pre_label(host):
    sdk = SDK(host.api_key, host.url)
    asset = host.assets()[0]
    person = next(t for t in host.hub.default_project.tools() if t["title"] == "Person")
    for width in (10, 20):
        sdk.import_labels(
            host.project_id,
            [
                {
                    "externalId": asset["externalId"],
                    "objects": [
                        {"schemaId": person["schemaId"], "bounding-box": {"x": 0, "y": 0, "width": width, "height": 5}}
                    ],
                }
            ],
        )
    stored = host.assets()[0]["labels"]
    assert stored["objects"][0]["bounding-box"]["width"] == 20
    assert sdk.get_assets(host.project_id, filters={"isPreLabeled": True})["data"]["total"] == 1


def test_control_api_runs_a_plugin_over_http(host, sample_plugin):
    http = requests.Session()
    http.headers["apikey"] = host.api_key
    refused = http.post(
        host.url + "/api/runs", json={"plugin": sample_plugin.id, "project": host.project_id, "config": "{oops"}
    )
    assert refused.status_code == 400
    assert "'config' is not valid JSON" in refused.json()["message"]
    started = http.post(
        host.url + "/api/runs?wait=10",
        json={"plugin": sample_plugin.id, "project": host.project_id, "classMapping": {"Vehicle": "Vehicle"}},
    )
    assert started.status_code == 201
    body = started.json()
    assert body["status"] == "succeeded" and body["message"] == "All annotations are imported!"
    listed = http.get(host.url + "/api/sessions").json()["sessions"]
    assert [s["_id"] for s in listed] == [body["_id"]]
    assert http.get(host.url + "/api/sessions", headers={"apikey": "nope"}).status_code == 401


def test_repeated_refusals_back_off_so_reconnect_loops_cannot_hammer_the_host(host, demo_plugin):
    """The official client reconnects at once on every disconnect; the host slows that loop down."""
    waits = []
    for _ in range(3):
        client = socketio.Client(reconnection=False)
        gone = threading.Event()
        client.on("disconnect", lambda *a, gone=gone: gone.set(), namespace="/plugin")
        client.connect(host.url, namespaces=["/plugin"], transports=["websocket"])
        began = time.monotonic()
        client.emit("heartbeat", {"id": demo_plugin.id, "secret": "wrong"}, namespace="/plugin")
        assert gone.wait(5)
        waits.append(time.monotonic() - began)
        client.disconnect()
    # The host really waited (lower bounds hold under any load); the schedule itself, below.
    assert waits[1] >= 0.2
    assert waits[2] >= 0.45


def test_refusal_delays_start_at_zero_double_and_are_capped():
    hub = Hub()
    try:
        namespace = PluginNamespace(hub, socketio=None)
        assert [namespace._refusal_delay("p") for _ in range(8)] == [0, 0.25, 0.5, 1, 2, 4, 8, 10]
        assert namespace._refusal_delay("other") == 0  # counted per plugin id
    finally:
        hub.close()


def test_plugin_client_repeats_its_heartbeat(host, demo_plugin):
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda data: "ok", heartbeat_interval=0.05):
        first = host.hub.last_heartbeat[demo_plugin.id]
        deadline = time.monotonic() + 5
        while host.hub.last_heartbeat[demo_plugin.id] == first and time.monotonic() < deadline:
            time.sleep(0.01)
        assert host.hub.last_heartbeat[demo_plugin.id] > first
        listed = requests.get(host.url + "/api/plugins", headers={"apikey": host.api_key}).json()["plugins"]
        assert listed[0]["live"] is True and listed[0]["lastHeartbeat"].endswith("Z")
