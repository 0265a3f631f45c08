"""Hub-level defects of the reliability issues (12 and 13), one test each, written before their fixes."""

from __future__ import annotations

import time

import pytest
import requests

from mockango import Conflict, Forbidden, Hub, InvalidRequest, MockAngo, StorageError
from mockango.models import Caller
from tests.support import FakeConnection


def live_plugin(hub: Hub, name: str = "Detector", connection: str = "c1"):
    plugin = hub.create_plugin(name, class_names=["Vehicle"])
    link = FakeConnection(connection)
    hub.authenticate_plugin(plugin.id, plugin.secret, link)
    return plugin, link


# 12.1 ------------------------------------------------------------------------------------------------------------


def test_a_client_asset_id_never_addresses_another_organizations_asset():
    hub = Hub(seed=1)
    theirs = hub.project_assets(hub.default_project.id)[0]
    rival = hub.create_organization("Rival")
    with pytest.raises(Conflict, match=r"assets\[0\]\._id .* is already used by another asset"):
        hub.create_project(
            "Mine",
            {},
            [{"_id": theirs["_id"], "externalId": "evil.png", "data": "http://x/e.png"}],
            organization_id=rival.organization_id,
        )
    assert hub.project_assets(hub.default_project.id)[0] == theirs
    assert hub.list_projects(rival)[1] == 0


def test_a_client_may_choose_a_free_well_formed_asset_id_only():
    hub = Hub(seed=1)
    project = hub.create_project("Mine", {}, [{"_id": "a" * 24, "externalId": "x.png", "data": "http://x/x.png"}])
    assert hub.project_assets(project.id)[0]["_id"] == "a" * 24
    with pytest.raises(InvalidRequest, match=r"assets\[0\]\._id must be 24 lowercase hex characters"):
        hub.create_project("Bad", {}, [{"_id": "../../etc", "externalId": "x.png", "data": "http://x/x.png"}])
    with pytest.raises(InvalidRequest, match=r"assets\[1\]\._id .* repeats an earlier asset's"):
        hub.create_project(
            "Twice",
            {},
            [
                {"_id": "b" * 24, "externalId": "x", "data": "http://x/1"},
                {"_id": "b" * 24, "externalId": "y", "data": "http://x/2"},
            ],
        )


# 12.6 ------------------------------------------------------------------------------------------------------------


def test_a_refused_project_leaves_nothing_behind():
    hub = Hub(seed=1)
    before = hub.list_projects(hub.default_user, limit=100)
    with pytest.raises(InvalidRequest, match=r"assets\[1\]\.data must be a URL string"):
        hub.create_project(
            "Half",
            {},
            [{"externalId": "ok.png", "data": "http://x/ok.png", "batches": ["new"]}, {"externalId": "bad.png"}],
        )
    assert hub.list_projects(hub.default_user, limit=100) == before
    with hub.store.read() as db:
        assert db.execute("SELECT count(*) FROM assets WHERE external_id = 'ok.png'").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM batches WHERE name = 'new'").fetchone()[0] == 0


# 12.3 ------------------------------------------------------------------------------------------------------------


def test_a_run_key_logs_to_and_answers_only_its_own_session():
    hub = Hub(seed=1)
    plugin, link = live_plugin(hub)
    first = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    second = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    first_key = link.sent[0]["apiKey"]
    with pytest.raises(Forbidden, match="may log to and answer only that session"):
        hub.record_response({"session": second.id, "response": "hijacked"}, caller=hub.identify(first_key))
    with pytest.raises(Forbidden):
        hub.record_log({"session": second.id, "msg": "not mine"}, caller=hub.identify(first_key))
    assert hub.get_session(second.id).status == "running" and hub.get_session(second.id).logs == []
    hub.record_response({"session": first.id, "response": "mine"}, caller=hub.identify(first_key))
    assert hub.get_session(first.id).status == "succeeded"


def test_a_users_key_answers_only_sessions_that_user_started():
    hub = Hub(seed=1)
    plugin, _ = live_plugin(hub)
    session = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    with hub.store.write() as db:  # a second user of the same organization
        from mockango.records.accounts import insert_user

        colleague = insert_user(db, "c" * 24, hub.default_user.organization_id, "Colleague", "c@example.com")
    with pytest.raises(Forbidden, match="was started by another user"):
        hub.record_response({"session": session.id, "response": "x"}, caller=Caller(colleague))
    hub.record_log({"session": session.id, "msg": "mine"}, caller=hub.identify(hub.default_user.api_key))
    assert hub.get_session(session.id).logs[0]["msg"] == "mine"


def test_over_rest_a_run_key_cannot_end_another_run():
    hub = Hub(seed=1)
    plugin, link = live_plugin(hub)
    with MockAngo(hub=hub) as mock:
        first = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
        second = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
        key = link.sent[0]["apiKey"]
        answer = requests.post(
            mock.url + "/v2/pluginResponse",
            headers={"apikey": key},
            json={"session": second.id, "response": "hijacked"},
            timeout=10,
        )
        assert answer.status_code == 403 and "only that session" in answer.json()["message"]
        logged = requests.post(
            mock.url + "/v2/pluginLog", headers={"apikey": key}, json={"session": first.id, "msg": "own"}, timeout=10
        )
        assert logged.status_code == 200
    assert hub.get_session(second.id).status == "running"
    assert hub.get_session(first.id).logs[0]["msg"] == "own"


# 12.4 + 13.2 -----------------------------------------------------------------------------------------------------


def test_a_write_on_a_full_disk_is_refused_with_507_and_works_again_once_there_is_room(tmp_path):
    hub = Hub(seed=1, state=tmp_path / "state.sqlite3")
    with MockAngo(hub=hub) as mock:
        hub.store.set_max_pages(hub.store.page_count())  # the file may not grow: SQLITE_FULL, as on a full disk
        answer = requests.post(
            mock.url + "/api/plugins",
            headers={"apikey": mock.api_key},
            json={"name": "Big", "description": "x" * 100_000},
            timeout=10,
        )
        assert answer.status_code == 507
        assert "disk holding" in answer.json()["message"] and "is full" in answer.json()["message"]
        assert hub.plugin_count() == 0
        hub.store.set_max_pages(None)
        again = requests.post(
            mock.url + "/api/plugins",
            headers={"apikey": mock.api_key},
            json={"name": "Big", "description": "x" * 100_000},
            timeout=10,
        )
        assert again.status_code == 201
    assert hub.plugin_count() == 1
    hub.close_store()


def test_a_storage_failure_is_a_storage_error_in_memory_too():
    hub = Hub(seed=1)
    hub.store.set_max_pages(hub.store.page_count())
    with pytest.raises(StorageError) as caught:
        hub.create_project("Big", {}, [{"externalId": f"{i}", "data": f"http://x/{i}"} for i in range(5000)])
    assert caught.value.status == 507
    hub.store.set_max_pages(None)
    assert hub.list_projects(hub.default_user)[1] == 1


# 13.3 + 13.8 -----------------------------------------------------------------------------------------------------


def test_a_run_ends_at_its_time_limit_even_if_nobody_reads_it():
    hub = Hub(seed=1)
    plugin, _ = live_plugin(hub)
    session = hub.start_run(hub.default_user, plugin.id, hub.default_project.id, timeout=0.2)
    deadline = time.monotonic() + 30  # the expiry thread's turn can be late under load: wait for it, not for time
    while (stored := hub.sessions.get(session.id)).status == "running" and time.monotonic() < deadline:
        time.sleep(0.02)  # the stored row, not a read that would expire it
    assert stored.status == "timed_out" and "time limit (0.2 s)" in stored.reason
    hub.close()


@pytest.mark.parametrize("wait", ["nan", "NaN", "inf", "-inf", "infinity"])
def test_wait_must_be_a_finite_number(host, wait):
    answer = requests.get(
        f"{host.url}/api/sessions/x", params={"wait": wait}, headers={"apikey": host.api_key}, timeout=10
    )
    assert answer.status_code == 400 and "'wait' must be a finite number" in answer.json()["message"]


# 12.8 (logs) -----------------------------------------------------------------------------------------------------


def test_log_lines_beyond_the_limits_are_cut_and_the_session_says_so():
    hub = Hub(seed=1, log_line_limit=20, log_count_limit=3)
    plugin, _ = live_plugin(hub)
    session = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    hub.record_log({"session": session.id, "msg": "x" * 50}, connection_id="c1")
    for n in range(5):
        hub.record_log({"session": session.id, "msg": f"line {n}"}, connection_id="c1")
    logs = hub.get_session(session.id).logs
    assert logs[0]["msg"].startswith("x" * 20 + "... [30 characters cut") and logs[0]["truncated"]
    assert [entry["msg"] for entry in logs[1:3]] == ["line 0", "line 1"]
    assert logs[3]["truncated"] and logs[3]["msg"].startswith("3 more log line(s) were dropped")
    assert len(logs) == 4
