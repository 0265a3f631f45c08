"""Faults on demand against a real host: the control API, the MockAngo helpers, and what each fault does."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from mockango import MockAngo
from mockango.faults import path_pattern
from tests.support import DEMO_CONFIG, WAIT, plugin_running


@pytest.fixture
def http(host):
    session = requests.Session()
    session.headers["apikey"] = host.api_key
    return session


def assets_path(host) -> str:
    return f"/v2/project/{host.project_id}/assets"


def test_path_globs_match_one_segment_per_star_and_any_depth_for_two():
    assert path_pattern("/v2/project/*/assets").match("/v2/project/abc/assets")
    assert not path_pattern("/v2/project/*/assets").match("/v2/project/a/b/assets")
    assert not path_pattern("/v2/project/*").match("/v2/project/abc/assets")
    assert path_pattern("/v2/**").match("/v2/project/abc/assets")
    assert not path_pattern("/v2/listProjects").match("/v2/listProjectsX")


def test_fail_the_next_two_calls_then_answer_again(host, http):
    fault = host.faults.fail("GET", "/v2/project/*/assets", times=2, status=503)
    answers = [http.get(host.url + assets_path(host)) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    message = (
        f"injected fault {fault.id}: GET {assets_path(host)} answers 503 (remove it with DELETE /api/faults/{fault.id})"
    )
    assert answers[0].json() == {
        "status": "error",
        "message": message,
        "error": {"statusCode": 503, "message": message},
    }
    assert host.faults.active() == []  # used up
    assert http.get(host.url + f"/v2/project/{host.project_id}").status_code == 200  # other routes untouched
    assert [c["status"] for c in host.hub.journal.entries() if c["path"] == assets_path(host)] == [503, 503, 200]


def test_429_carries_retry_after_and_a_fault_applies_only_to_its_method(host, http):
    host.faults.fail("POST", "/v2/import/labels", status=429, retry_after=7)
    assert http.get(host.url + assets_path(host)).status_code == 200
    answer = http.post(host.url + "/v2/import/labels", json={"project": host.project_id, "jsonContent": []})
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"


def test_control_api_adds_lists_and_removes_faults(host, http):
    added = http.post(
        host.url + "/api/faults",
        json={"kind": "fail", "method": "get", "path": "/v2/listProjects", "status": 502, "times": 3},
    )
    assert added.status_code == 201
    fault = added.json()
    assert fault == {
        "_id": fault["_id"],
        "kind": "fail",
        "method": "GET",
        "path": "/v2/listProjects",
        "status": 502,
        "times": 3,
        "probability": 1.0,
        "seed": 1,
        "hits": 0,
        "scope": "organization",
        "description": "GET /v2/listProjects answers 502, 3 more times",
    }
    assert http.get(host.url + "/v2/listProjects").status_code == 502
    listed = http.get(host.url + "/api/faults").json()["faults"]
    assert [(f["_id"], f["hits"], f["times"]) for f in listed] == [(fault["_id"], 1, 2)]
    assert http.delete(host.url + f"/api/faults/{fault['_id']}").status_code == 204
    assert http.get(host.url + "/v2/listProjects").status_code == 200
    assert http.delete(host.url + f"/api/faults/{fault['_id']}").status_code == 404

    http.post(host.url + "/api/faults", json={"kind": "latency", "path": "/v2/**", "seconds": 0.01})
    http.post(host.url + "/api/faults", json={"kind": "fail", "path": "/**", "times": None})
    assert len(http.get(host.url + "/api/faults").json()["faults"]) == 2  # /api/faults itself is never failed
    assert http.delete(host.url + "/api/faults").status_code == 204
    assert http.get(host.url + "/api/faults").json() == {"faults": []}
    assert requests.get(host.url + "/api/faults").status_code == 401


@pytest.mark.parametrize(
    "body, message",
    [
        (
            {"kind": "explode"},
            "$.kind: must be one of ['latency', 'fail', 'drop_plugin', 'ignore_heartbeats', "
            "'slow_files'], got 'explode'",
        ),
        (
            {"kind": "fail", "path": "/v2/**", "status": 404},
            "$.status: must be one of [429, 500, 502, 503, 504], got 404",
        ),
        ({"kind": "fail"}, "$.path: a fail fault needs the path (a glob such as '/v2/project/*/assets')"),
        ({"kind": "latency", "path": "/v2/**", "seconds": -1}, "$.seconds: must be between 0 and 600, got -1"),
        ({"kind": "latency", "path": "/v2/**", "probability": 2}, "$.probability: must be between 0 and 1, got 2"),
        (
            {"kind": "latency", "event": "hello"},
            "$.event: must be one of ['heartbeat', 'log', 'response', 'plugin'], got 'hello'",
        ),
        (
            {"kind": "latency", "path": "/v2/**", "tiems": 2},
            "$.tiems: unknown field; a fault takes ['bytesPerSecond', "
            "'event', 'kind', 'message', 'method', 'path', 'plugin', 'probability', 'retryAfter', 'seconds', 'seed', "
            "'status', 'times', 'when']",
        ),
        ({"kind": "drop_plugin", "plugin": "nope"}, "plugin 'nope' not found"),
    ],
)
def test_a_wrong_fault_is_refused_with_its_json_path_and_adds_nothing(host, http, body, message):
    answer = http.post(host.url + "/api/faults", json=body)
    assert answer.status_code in (400, 404)
    assert answer.json() == {
        "status": "error",
        "message": message,
        "error": {"statusCode": answer.status_code, "message": message},
    }
    assert host.faults.active() == []


def test_latency_delays_only_matching_requests(host, http):
    host.faults.latency("GET", "/v2/listProjects", 0.3, times=1)
    started = time.monotonic()
    assert http.get(host.url + "/v2/listProjects").status_code == 200
    assert time.monotonic() - started >= 0.3
    assert host.faults.active() == []


def test_probabilistic_faults_repeat_with_their_seed():
    def statuses(seed: int) -> list[int]:
        with MockAngo(seed=seed) as server:
            server.faults.fail("GET", "/v2/listProjects", status=500, times=None, probability=0.5)
            http = requests.Session()
            http.headers["apikey"] = server.api_key
            return [http.get(server.url + "/v2/listProjects").status_code for _ in range(16)]

    first = statuses(4)
    assert first == statuses(4)
    assert set(first) == {200, 500}  # some fail, some do not
    assert first != statuses(5)


def test_slow_files_trickle_the_same_bytes(host):
    url = host.assets()[0]["data"]
    fast = requests.get(url)
    host.faults.slow_files(bytes_per_second=len(fast.content) * 2, seconds=0.2)
    started = time.monotonic()
    slow = requests.get(url)
    assert time.monotonic() - started >= 0.2 + 0.5
    assert slow.content == fast.content and slow.headers["Content-Type"] == "image/png"
    assert requests.get(url).content == fast.content  # the fault stays until removed
    assert host.faults.active()[0].hits == 2


def test_faults_are_per_host_and_reset_clears_them(host):
    with MockAngo(seed=1) as other:
        host.faults.fail("GET", "/v2/listProjects", times=None)
        assert requests.get(other.url + "/v2/listProjects", headers={"apikey": other.api_key}).status_code == 200
    host.reset()
    assert host.faults.active() == []


def test_the_fixture_starts_each_test_without_faults(mockango):
    assert mockango.faults.active() == []
    mockango.faults.fail("GET", "/v2/**", times=None)  # the next test (same server) must not see it


def test_the_fixture_starts_each_test_without_faults_again(mockango):
    assert mockango.faults.active() == []
    mockango.faults.fail("GET", "/v2/**", times=None)


def test_latency_on_a_socket_event_delays_the_run_answer(host, demo_plugin):
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda **data: "done"):
        host.faults.latency(event="response", seconds=0.4)
        started = time.monotonic()
        session = host.run(demo_plugin.id, config=DEMO_CONFIG, timeout=10)
        assert session.status == "succeeded"
        assert time.monotonic() - started >= 0.4


def test_ignored_heartbeats_make_a_plugin_go_dark(host, demo_plugin, monkeypatch):
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda **data: "done", heartbeat_interval=0.1):
        assert host.is_live(demo_plugin.id)
        host.faults.ignore_heartbeats(demo_plugin.id)
        # Short only once the fault is in place: before it, a plugin starved of the CPU for half a
        # second under load went dark by itself, and the test saw the wrong cause.
        monkeypatch.setattr(host.hub, "heartbeat_timeout", 0.5)
        deadline = time.monotonic() + WAIT
        while host.is_live(demo_plugin.id) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not host.is_live(demo_plugin.id)
        answer = requests.post(
            host.url + "/api/runs",
            headers={"apikey": host.api_key},
            json={"plugin": demo_plugin.id, "project": host.project_id},
        )
        assert answer.status_code == 409 and "sent no heartbeat" in answer.json()["message"]
        host.faults.clear()
        host.wait_live(demo_plugin.id, timeout=WAIT)  # the next heartbeat counts again


@pytest.mark.own_host("subscribes a change listener, and a Hub cannot drop one")
def test_drop_a_plugin_now_through_the_control_api(host, http, demo_plugin):
    closed = threading.Event()
    host.hub.subscribe(lambda kind, payload: closed.set() if kind == "live" and not payload["live"] else None)
    with plugin_running(host, demo_plugin.id, demo_plugin.secret, lambda **data: "done"):
        answer = http.post(host.url + "/api/faults", json={"kind": "drop_plugin", "plugin": demo_plugin.id})
        assert answer.status_code == 201 and answer.json()["hits"] == 1  # one socket closed
        assert closed.wait(5)
        assert host.faults.active() == []  # done at once, nothing left active


def test_a_fault_aimed_at_a_plugin_is_seen_only_by_its_organization(host, http, demo_plugin):
    rival = host.create_organization("Rival Inc")
    rival_http = requests.Session()
    rival_http.headers["apikey"] = rival.api_key
    assert (
        rival_http.post(
            host.url + "/api/faults", json={"kind": "ignore_heartbeats", "plugin": demo_plugin.id}
        ).status_code
        == 404
    )
    aimed = http.post(
        host.url + "/api/faults", json={"kind": "drop_plugin", "plugin": demo_plugin.id, "when": "before_run"}
    ).json()
    ours = http.post(host.url + "/api/faults", json={"kind": "latency", "path": "/nowhere"}).json()
    assert rival_http.get(host.url + "/api/faults").json()["faults"] == []  # issue 17.6: each its own
    assert rival_http.delete(host.url + f"/api/faults/{aimed['_id']}").status_code == 404
    assert rival_http.delete(host.url + "/api/faults").status_code == 204  # clears its own only
    assert [f["_id"] for f in http.get(host.url + "/api/faults").json()["faults"]] == [aimed["_id"], ours["_id"]]
