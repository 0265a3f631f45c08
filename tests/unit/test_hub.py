"""The Hub's rules, without a server: the sans-I/O core on its own."""

from __future__ import annotations

import re

import pytest

from mockango import AuthenticationError, Conflict, Hub, InvalidRequest, NotFound
from tests.support import FakeConnection


@pytest.fixture
def hub():
    return Hub(seed=7)


def test_same_seed_same_data_and_different_seed_different_data():
    def snapshot(h: Hub):
        return h.default_project.to_dict(), h.project_assets(h.default_project.id)

    assert snapshot(Hub(seed=3)) == snapshot(Hub(seed=3))
    assert snapshot(Hub(seed=3)) != snapshot(Hub(seed=4))


def test_demo_project_shape(hub):
    project = hub.default_project
    assert project.name == "Demo detection"
    assert project.asset_count == 25 and len(project.batches) == 2
    kinds = {t["title"]: t["tool"] for t in project.tools()}
    assert kinds["Vehicle"] == kinds["Person"] == "bounding-box"
    assert {"polygon", "point"} <= set(kinds.values())
    assert project.category_schema["classifications"][0]["tool"] == "radio"
    assets = hub.project_assets(project.id)
    assert len({a["externalId"] for a in assets}) == 25
    assert all(a["metadata"]["width"] > 0 and a["metadata"]["height"] > 0 for a in assets)
    assert all(re.fullmatch(r"[0-9a-f]{24}", value) for value in [project.id, *(a["_id"] for a in assets)])


def test_api_keys_and_secrets_are_fresh_per_hub():
    first, second = Hub(seed=1), Hub(seed=1)
    assert first.default_user.api_key != second.default_user.api_key
    assert first.create_plugin("p").secret != first.create_plugin("q").secret


def test_authenticate(hub):
    assert hub.authenticate(hub.default_user.api_key) == hub.default_user
    for bad in (None, "", "x" * 48, 12345):
        with pytest.raises(AuthenticationError):
            hub.authenticate(bad)


def test_plugin_ids_and_validation(hub):
    plugin = hub.create_plugin("Detector", class_names=["Vehicle"], default_config='{"a": 1}')
    assert re.fullmatch(r"[0-9a-f]{24}", plugin.id)
    assert plugin.default_config == {"a": 1}
    with pytest.raises(InvalidRequest, match="'defaultConfig' is not valid JSON"):
        hub.create_plugin("Bad", default_config="{nope")
    with pytest.raises(InvalidRequest, match="must not repeat"):
        hub.create_plugin("Twice", class_names=["A", "A"])
    with pytest.raises(InvalidRequest, match="plugin type 'exporter' is not an Ango Hub plugin type"):
        hub.create_plugin("Exporter", plugin_type="exporter")


def test_heartbeat_binds_a_connection_and_a_wrong_secret_does_not(hub):
    plugin = hub.create_plugin("Detector")
    with pytest.raises(AuthenticationError):
        hub.authenticate_plugin(plugin.id, "wrong", FakeConnection())
    with pytest.raises(AuthenticationError):
        hub.authenticate_plugin("f" * 24, plugin.secret, FakeConnection())
    assert not hub.is_live(plugin.id)
    hub.authenticate_plugin(plugin.id, plugin.secret, FakeConnection())
    assert hub.is_live(plugin.id)
    hub.connection_closed("c1")
    assert not hub.is_live(plugin.id)


def test_start_run_builds_the_event_and_a_response_ends_it(hub):
    plugin = hub.create_plugin("Detector", class_names=["Vehicle"], default_config={"k": 1})
    connection = FakeConnection()
    hub.authenticate_plugin(plugin.id, plugin.secret, connection)
    session = hub.start_run(hub.default_user, plugin.id, hub.default_project.id, class_mapping={"Vehicle": "Vehicle"})
    event = connection.sent[0]
    assert event["configJSON"] == '{"k": 1}'
    assert hub.session_for_key(event["apiKey"]) == session.id
    assert hub.authenticate(event["apiKey"]) == hub.default_user
    hub.record_log({"session": session.id, "level": "info", "msg": "hello"}, connection_id="c1")
    hub.record_response({"session": session.id, "response": "done"}, connection_id="c1")
    session = hub.get_session(session.id)
    assert session.status == "succeeded" and session.message == "done"
    assert session.logs[0]["level"] == "INFO" and session.logs[0]["msg"] == "hello"


def test_another_plugins_connection_cannot_end_a_session(hub):
    mine, theirs = hub.create_plugin("Mine"), hub.create_plugin("Theirs")
    hub.authenticate_plugin(mine.id, mine.secret, FakeConnection("mine"))
    hub.authenticate_plugin(theirs.id, theirs.secret, FakeConnection("theirs"))
    session = hub.start_run(hub.default_user, mine.id, hub.default_project.id)
    with pytest.raises(AuthenticationError):
        hub.record_response({"session": session.id, "response": "hijacked"}, connection_id="theirs")
    assert hub.get_session(session.id).status == "running"


def test_a_plugin_that_is_not_live_cannot_run(hub):
    plugin = hub.create_plugin("Offline")
    with pytest.raises(Conflict, match="is not live: start its process first"):
        hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    assert hub.session_count() == 0


def test_another_organization_sees_nothing(hub):
    other = hub.create_organization("Other")
    plugin = hub.create_plugin("Mine")
    with pytest.raises(NotFound):
        hub.project_for(other, hub.default_project.id)
    with pytest.raises(NotFound):
        hub.plugin_for(other.organization_id, plugin.id)
    assert hub.list_plugins(other.organization_id) == []


def test_batches_by_name_or_id(hub):
    plugin = hub.create_plugin("Detector")
    connection = FakeConnection()
    hub.authenticate_plugin(plugin.id, plugin.secret, connection)
    first, second = hub.default_project.batches
    hub.start_run(hub.default_user, plugin.id, hub.default_project.id, batches=["Batch 1", second.id])
    assert connection.sent[0]["batches"] == [first.id, second.id]
    with pytest.raises(InvalidRequest, match="batch 'Batch 9' is not a batch of project 'Demo detection'"):
        hub.start_run(hub.default_user, plugin.id, hub.default_project.id, batches=["Batch 9"])


def test_reset_forgets_plugins_and_sessions(hub):
    old_key = hub.default_user.api_key
    hub.create_plugin("Temporary")
    hub.reset()
    assert hub.plugin_count() == 0 and hub.session_count() == 0
    assert hub.default_user.api_key != old_key
    assert hub.default_project.asset_count == 25


def test_create_project_keeps_asset_urls_as_given(hub):
    project = hub.create_project(
        "Mine",
        {"tools": [{"schemaId": "t1", "tool": "point", "title": "Dot"}]},
        [
            {
                "externalId": "a.jpg",
                "data": "https://example.invalid/a.jpg",
                "metadata": {"width": 10, "height": 20},
                "batches": ["train"],
            }
        ],
    )
    (asset,) = hub.project_assets(project.id)
    assert asset["data"] == "https://example.invalid/a.jpg"
    assert [b.name for b in project.batches] == ["train"] and asset["batches"] == [project.batches[0].id]
    with pytest.raises(InvalidRequest, match=r"assets\[0\].data must be a URL string"):
        hub.create_project("Broken", {"tools": []}, [{"externalId": "x"}])


def test_a_connection_without_recent_heartbeats_is_not_live():
    hub = Hub(seed=1, heartbeat_timeout=0.05)
    plugin = hub.create_plugin("Sleepy")
    hub.authenticate_plugin(plugin.id, plugin.secret, FakeConnection())
    assert hub.is_live(plugin.id)
    import time

    time.sleep(0.08)
    assert not hub.is_live(plugin.id)
    with pytest.raises(Conflict, match="connected but sent no heartbeat for 0.05 s"):
        hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    hub.authenticate_plugin(plugin.id, plugin.secret, FakeConnection())  # the next heartbeat
    assert hub.is_live(plugin.id)


def test_an_import_labels_every_asset_sharing_the_external_id(hub):
    tools = {"tools": [{"schemaId": "dot", "tool": "point", "title": "Dot"}]}
    project = hub.create_project(
        "Twins",
        tools,
        [
            {"externalId": "same.jpg", "data": "http://x/1.jpg"},
            {"externalId": "same.jpg", "data": "http://x/2.jpg"},
            {"externalId": "other.jpg", "data": "http://x/3.jpg"},
        ],
    )
    summary = hub.import_labels(
        hub.default_user, project.id, [{"externalId": "same.jpg", "objects": [{"schemaId": "dot", "point": [1, 2]}]}]
    )
    assert summary["assets"] == 2
    assert [a["isPreLabeled"] for a in hub.project_assets(project.id)] == [True, True, False]
