"""Issue 17.6: a fault belongs to the organization that set it; only the host's own admin (Python) sets host-wide ones.

Org B's faults through the control API act on org B's calls, sockets and files only; org A neither
suffers them, nor sees them, nor removes them. A fault added from Python acts on everyone and every
organization sees it, marked host-wide.
"""

from __future__ import annotations

import queue

import pytest
import requests
import socketio


@pytest.fixture
def orgs(host):
    """(A's session, B's session, B's user): A is the seed's organization, B another on the same host."""
    user_b = host.create_organization("B")
    sessions = []
    for key in (host.api_key, user_b.api_key):
        session = requests.Session()
        session.headers["apikey"] = key
        sessions.append(session)
    yield sessions[0], sessions[1], user_b
    for session in sessions:
        session.close()


def test_a_fault_set_by_one_organization_acts_on_its_calls_only(host, orgs):
    a, b, _ = orgs
    added = b.post(
        host.url + "/api/faults",
        json={"kind": "fail", "path": "/v2/**", "status": 503, "times": None, "message": "B's own outage"},
    )
    assert added.status_code == 201, added.text
    answer_a = a.get(host.url + "/v2/listProjects")
    assert answer_a.status_code == 200 and "B's own outage" not in answer_a.text
    answer_b = b.get(host.url + "/v2/listProjects")
    assert answer_b.status_code == 503 and answer_b.json()["message"] == "B's own outage"
    latency = b.post(host.url + "/api/faults", json={"kind": "latency", "path": "/v2/**", "seconds": 30})
    assert latency.status_code == 201
    assert a.get(host.url + "/v2/listProjects", timeout=5).status_code == 200  # not held 30 s


def test_one_organization_neither_sees_nor_removes_another_s_faults(host, orgs):
    a, b, _ = orgs
    fault_b = b.post(host.url + "/api/faults", json={"kind": "fail", "path": "/v2/listProjects", "times": 5}).json()
    fault_a = a.post(host.url + "/api/faults", json={"kind": "latency", "path": "/nowhere"}).json()
    assert [f["_id"] for f in a.get(host.url + "/api/faults").json()["faults"]] == [fault_a["_id"]]
    assert a.delete(host.url + f"/api/faults/{fault_b['_id']}").status_code == 404
    assert a.delete(host.url + "/api/faults").status_code == 204
    assert [f["_id"] for f in b.get(host.url + "/api/faults").json()["faults"]] == [fault_b["_id"]]
    assert b.get(host.url + "/v2/listProjects").status_code == 503
    assert a.get(host.url + "/api/faults").json()["faults"] == []


def test_a_host_wide_fault_comes_from_python_and_everyone_sees_it_as_such(host, orgs):
    a, b, _ = orgs
    fault = host.faults.fail("GET", "/v2/listProjects", times=None)
    for session in (a, b):
        assert session.get(host.url + "/v2/listProjects").status_code == 503
        (shown,) = session.get(host.url + "/api/faults").json()["faults"]
        assert shown["_id"] == fault.id and shown["scope"] == "host"
        assert session.delete(host.url + f"/api/faults/{fault.id}").status_code == 404  # the host's admin removes it
    assert host.faults.active() == [fault]
    own = b.post(host.url + "/api/faults", json={"kind": "latency", "path": "/nowhere"}).json()
    assert own["scope"] == "organization"


def test_socket_faults_of_one_organization_spare_another_s_plugins(host, orgs):
    _, b, user_b = orgs
    b.post(host.url + "/api/faults", json={"kind": "ignore_heartbeats"})  # every plugin... of B
    b.post(host.url + "/api/faults", json={"kind": "latency", "event": "heartbeat", "seconds": 30})
    plugin_a = host.create_plugin("A's plugin", class_names=["Vehicle"])
    client = socketio.Client(reconnection=False)
    errors: queue.Queue = queue.Queue()
    client.on("error", errors.put, namespace="/plugin")
    client.connect(host.url, namespaces=["/plugin"], transports=["websocket"], wait_timeout=5)
    try:
        client.emit("heartbeat", {"id": plugin_a.id, "secret": plugin_a.secret}, namespace="/plugin")
        host.wait_live(plugin_a.id, timeout=5)  # neither ignored nor held 30 s
    finally:
        client.disconnect()


def test_slow_files_of_one_organization_spare_another_s_files(host, orgs):
    _, b, user_b = orgs
    b.post(host.url + "/api/faults", json={"kind": "slow_files", "bytesPerSecond": 1_000_000})
    asset = host.assets()[0]
    answer = requests.get(f"{host.url}/files/{asset['_id']}.png", timeout=10)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] != "no-store"
    project_b = host.hub.create_project(
        "B's",
        {"tools": [{"title": "Car", "tool": "bounding-box", "schemaId": "car"}]},
        [
            {
                "externalId": "b",
                "data": "http://example.invalid/b.png",
                "hosted": True,
                "metadata": {"width": 8, "height": 8},
            }
        ],
        organization_id=user_b.organization_id,
    )
    asset_b = host.assets(project_b.id)[0]
    slowed = requests.get(f"{host.url}/files/{asset_b['_id']}.png", timeout=10)
    assert slowed.status_code == 200 and slowed.headers["Cache-Control"] == "no-store"
