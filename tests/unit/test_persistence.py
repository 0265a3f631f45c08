"""A Hub saved to a state file and loaded back is the same Hub (what `mockango serve` restarts rely on)."""

from __future__ import annotations

import json
import stat

import pytest

from mockango import Hub
from mockango.persistence import StateFile, StateFileError, dump_state, load_state


class Connection:
    id = "c1"

    def __init__(self):
        self.sent = []

    def send_run(self, event):
        self.sent.append(event)


def test_round_trip_keeps_keys_plugins_sessions_and_labels(tmp_path):
    hub = Hub(seed=2)
    plugin = hub.create_plugin("Detector", class_names=["Vehicle"], default_config={"a": 1})
    connection = Connection()
    hub.authenticate_plugin(plugin.id, plugin.secret, connection)
    done = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    hub.record_log({"session": done.id, "level": "INFO", "msg": "hi"}, connection_id="c1")
    hub.record_response({"session": done.id, "response": "ok"}, connection_id="c1")
    in_flight = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    vehicle = hub.default_project.tools()[0]["schemaId"]
    external_id = hub.project_assets(hub.default_project.id)[0]["externalId"]
    hub.import_labels(hub.default_user, hub.default_project.id, [
        {"externalId": external_id, "objects": [{"schemaId": vehicle,
                                                 "bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2}}]}])

    state = StateFile(tmp_path / "state.json")
    state.attach(hub)
    state.close()
    assert stat.S_IMODE((tmp_path / "state.json").stat().st_mode) == 0o600

    again = Hub(seed=2)
    assert StateFile(tmp_path / "state.json").load_into(again)
    assert again.authenticate(hub.default_user.api_key).id == hub.default_user.id
    assert again.plugins[plugin.id].secret == plugin.secret
    assert again.sessions[done.id].status == "succeeded" and again.sessions[done.id].logs[0]["msg"] == "hi"
    assert again.sessions[in_flight.id].status == "failed"
    assert again.sessions[in_flight.id].reason == "mockango restarted while the run was in flight"
    assert again.session_for_key(connection.sent[0]["apiKey"]) == done.id
    assert again.project_assets(again.default_project.id) == hub.project_assets(hub.default_project.id)
    assert not again.is_live(plugin.id)


def test_dump_is_json_and_load_is_exact():
    hub = Hub(seed=5)
    hub.create_plugin("P")
    state = json.loads(json.dumps(dump_state(hub)))
    other = Hub(seed=5, populate=False)
    load_state(other, state)
    assert json.loads(json.dumps(dump_state(other))) == state


def test_a_state_file_of_another_seed_is_refused(tmp_path):
    state = StateFile(tmp_path / "state.json")
    state.attach(Hub(seed=1))
    state.close()
    with pytest.raises(StateFileError, match="was made with --seed 1, not 2: use that seed, or --fresh"):
        StateFile(tmp_path / "state.json").load_into(Hub(seed=2))


def test_a_broken_state_file_says_what_to_do(tmp_path):
    (tmp_path / "state.json").write_text("{half")
    with pytest.raises(StateFileError, match="Delete it or start with --fresh"):
        StateFile(tmp_path / "state.json").load_into(Hub())


def test_changes_are_saved_shortly_after_they_happen(tmp_path):
    hub = Hub(seed=1)
    state = StateFile(tmp_path / "state.json", delay=0.01)
    state.attach(hub)
    try:
        plugin = hub.create_plugin("Later")
        import time
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            saved = json.loads((tmp_path / "state.json").read_text())
            if any(p["id"] == plugin.id for p in saved["plugins"]):
                break
            time.sleep(0.02)
        else:
            pytest.fail("the new plugin was not saved within 3 s")
    finally:
        state.close()
