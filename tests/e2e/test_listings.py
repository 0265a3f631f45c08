"""Paged listings of the control API over real HTTP: sessions and project assets, with totals and filters."""

from __future__ import annotations

import pytest
import requests

from mockango import Hub
from tests.support import FakeConnection, plugin_running, session_history


@pytest.fixture
def http(host):
    session = requests.Session()
    session.headers["apikey"] = host.api_key
    return session


@pytest.fixture
def history(host):
    return session_history(host)


def test_sessions_are_paged_newest_first_with_totals(http, host, history):
    newest = [session_id for session_id, _, _ in history["newest_first"]]
    first = http.get(host.url + "/api/sessions", params={"limit": 3}).json()
    assert first["total"] == 7 and first["page"] == 1 and first["limit"] == 3
    assert [s["_id"] for s in first["sessions"]] == newest[:3]
    last = http.get(host.url + "/api/sessions", params={"limit": 3, "page": 3}).json()
    assert [s["_id"] for s in last["sessions"]] == newest[6:]
    past = http.get(host.url + "/api/sessions", params={"limit": 3, "page": 4}).json()
    assert past["sessions"] == [] and past["total"] == 7
    everything = http.get(host.url + "/api/sessions").json()
    assert [s["_id"] for s in everything["sessions"]] == newest and everything["limit"] == 50


def test_sessions_filter_by_plugin_and_status(http, host, history):
    def ids(**params):
        body = http.get(host.url + "/api/sessions", params=params).json()
        assert body["total"] == len(body["sessions"])
        return [s["_id"] for s in body["sessions"]]

    runs = history["newest_first"]
    assert ids(plugin=history["first"]) == [s for s, p, _ in runs if p == history["first"]]
    assert ids(plugin=history["second"]) == [s for s, p, _ in runs if p == history["second"]]
    assert ids(status="failed") == [s for s, _, status in runs if status == "failed"]
    assert ids(plugin=history["second"], status="failed") == []
    assert ids(plugin=history["first"], status="succeeded") == [
        s for s, p, status in runs if p == history["first"] and status == "succeeded"
    ]
    assert ids(status="running") == []
    assert ids(plugin="ffffffffffffffffffffffff") == []


def test_another_organization_sees_none_of_the_sessions(host, history):
    other = host.create_organization("Rival Inc")
    body = requests.get(host.url + "/api/sessions", headers={"apikey": other.api_key}).json()
    assert body == {"sessions": [], "total": 0, "page": 1, "limit": 50}
    mine = requests.get(
        host.url + "/api/sessions", headers={"apikey": other.api_key}, params={"plugin": history["first"]}
    ).json()
    assert mine["sessions"] == [] and mine["total"] == 0


@pytest.mark.parametrize("path", ["/api/sessions", "/api/projects/{project}/assets"])
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "0"}, "query parameter 'page' must be 1 or more, got 0"),
        ({"page": "two"}, "query parameter 'page' must be a whole number, got 'two'"),
        ({"page": "1.5"}, "query parameter 'page' must be a whole number, got '1.5'"),
        ({"limit": "0"}, "query parameter 'limit' must be between 1 and 1000, got 0"),
        ({"limit": "1001"}, "query parameter 'limit' must be between 1 and 1000, got 1001"),
        ({"limit": "-5"}, "query parameter 'limit' must be between 1 and 1000, got -5"),
        ({"limit": "9" * 40}, f"query parameter 'limit' must be between 1 and 1000, got {'9' * 40}"),
    ],
)
def test_bad_paging_is_a_400_naming_the_parameter(http, host, path, params, message):
    answer = http.get(host.url + path.format(project=host.project_id), params=params)
    assert answer.status_code == 400
    assert answer.json() == {"status": "error", "message": message, "error": {"statusCode": 400, "message": message}}


def test_unknown_session_status_is_a_400_listing_the_statuses(http, host):
    answer = http.get(host.url + "/api/sessions", params={"status": "done"})
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "query parameter 'status' must be one of running, cancelled, failed, succeeded, timed_out, got 'done'"
    )


def test_project_assets_are_paged_with_their_labels_and_total(http, host):
    everything = host.assets()  # 25 seeded assets, in the project's order
    first = http.get(host.url + f"/api/projects/{host.project_id}/assets", params={"limit": 10}).json()
    assert first["total"] == 25 and first["page"] == 1 and first["limit"] == 10
    assert first["assets"] == everything[:10]
    third = http.get(host.url + f"/api/projects/{host.project_id}/assets", params={"limit": 10, "page": 3}).json()
    assert third["assets"] == everything[20:]
    default = http.get(host.url + f"/api/projects/{host.project_id}/assets").json()
    assert default["assets"] == everything and default["limit"] == 100
    assert "labels" in default["assets"][0] and "labeledBySession" in default["assets"][0]


def test_another_organizations_project_assets_are_not_found(host):
    other = host.create_organization("Rival Inc")
    answer = requests.get(
        host.url + f"/api/projects/{host.project_id}/assets", params={"page": 1}, headers={"apikey": other.api_key}
    )
    assert answer.status_code == 404
    assert answer.json()["message"] == f"project '{host.project_id}' not found"


def test_a_session_read_from_a_log_line_on_has_only_the_lines_from_there(http, host):
    plugin = host.create_plugin("Chatty")

    def callback(**data):
        for number in range(6):
            data["logger"].info(f"line {number}")
        return "done"

    with plugin_running(host, plugin.id, plugin.secret, callback):
        session = host.run(plugin.id, timeout=10)
    url = f"{host.url}/api/sessions/{session.id}"
    whole = http.get(url).json()
    assert [entry["msg"] for entry in whole["logs"]] == [f"line {n}" for n in range(6)]
    assert http.get(url, params={"logsFrom": 0}).json() == whole
    tail = http.get(url, params={"logsFrom": 4}).json()
    assert [entry["msg"] for entry in tail["logs"]] == ["line 4", "line 5"]
    assert {k: v for k, v in tail.items() if k != "logs"} == {k: v for k, v in whole.items() if k != "logs"}
    assert http.get(url, params={"logsFrom": 6}).json()["logs"] == []
    assert http.get(url, params={"logsFrom": 99, "wait": 1}).json()["logs"] == []
    for bad in ("-1", "two", "1.5"):
        answer = http.get(url, params={"logsFrom": bad})
        assert answer.status_code == 400 and "'logsFrom'" in answer.json()["message"], bad


def test_the_note_of_dropped_lines_comes_once_after_the_kept_ones():
    hub = Hub(seed=1, log_count_limit=3)
    plugin = hub.create_plugin("p")
    hub.authenticate_plugin(plugin.id, plugin.secret, FakeConnection("c1"))
    session = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    for n in range(5):
        hub.record_log({"session": session.id, "msg": f"line {n}"}, connection_id="c1")
    assert [e["msg"] for e in hub.get_session(session.id, logs_from=1).logs][:2] == ["line 1", "line 2"]
    note = hub.get_session(session.id, logs_from=3).logs
    assert len(note) == 1 and note[0]["msg"].startswith("2 more log line(s) were dropped")
    assert hub.get_session(session.id, logs_from=4).logs == []
