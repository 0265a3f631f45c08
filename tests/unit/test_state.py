"""A Hub kept in a SQLite file restarts with everything; state export/import round-trips it as JSON."""

from __future__ import annotations

import json
import stat

import pytest

from mockango import Hub, StateFileError, StorageError
from tests.support import FakeConnection


def busy_hub(hub: Hub) -> dict:
    """Plugins, a finished and an in-flight run with logs, and an import: what a restart must keep."""
    plugin = hub.create_plugin("Detector", class_names=["Vehicle"], default_config={"a": 1})
    connection = FakeConnection()
    hub.authenticate_plugin(plugin.id, plugin.secret, connection)
    done = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    hub.record_log({"session": done.id, "level": "INFO", "msg": "hi"}, connection_id="c1")
    hub.record_response({"session": done.id, "response": "ok"}, connection_id="c1")
    in_flight = hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
    vehicle = hub.default_project.tools()[0]["schemaId"]
    external_id = hub.project_assets(hub.default_project.id)[0]["externalId"]
    hub.import_labels(
        hub.default_user,
        hub.default_project.id,
        [
            {
                "externalId": external_id,
                "objects": [{"schemaId": vehicle, "bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2}}],
            }
        ],
    )
    return {"plugin": plugin, "done": done, "in_flight": in_flight, "run_key": connection.sent[0]["apiKey"]}


def check_restored(again: Hub, hub_key: str, user_id: str, made: dict, assets: list[dict]) -> None:
    plugin, done, in_flight = made["plugin"], made["done"], made["in_flight"]
    assert again.authenticate(hub_key).id == user_id
    assert again.get_plugin(plugin.id).secret == plugin.secret
    finished = again.get_session(done.id)
    assert finished.status == "succeeded" and finished.logs[0]["msg"] == "hi"
    interrupted = again.get_session(in_flight.id)
    assert interrupted.status == "failed"
    assert interrupted.reason == "mockango restarted while the run was in flight"
    assert again.session_for_key(made["run_key"]) == done.id
    assert again.project_assets(again.default_project.id) == assets
    assert not again.is_live(plugin.id)


def test_a_restart_keeps_keys_plugins_sessions_and_labels(tmp_path):
    path = tmp_path / "state.sqlite3"
    hub = Hub(seed=2, state=path)
    made = busy_hub(hub)
    key, user_id, assets = hub.default_user.api_key, hub.default_user.id, hub.project_assets(hub.default_project.id)
    # No close, no save: every acknowledged change is already committed.
    again = Hub(seed=2, state=path)
    assert again.restored
    check_restored(again, key, user_id, made, assets)
    hub.close_store()
    again.close_store()


def test_export_then_import_gives_the_same_state_and_the_export_is_readable_json(tmp_path):
    hub = Hub(seed=5)
    made = busy_hub(hub)
    key, user_id, assets = hub.default_user.api_key, hub.default_user.id, hub.project_assets(hub.default_project.id)
    exported = tmp_path / "state.json"
    hub.export_state(exported)
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    body = json.loads(exported.read_text())
    assert body["format"] == "mockango-state"
    assert body["tables"]["projects"][0]["category_schema"]["tools"]  # JSON columns are JSON, not strings
    other = Hub(seed=5)
    other.import_state(exported)
    check_restored(other, key, user_id, made, assets)
    again = tmp_path / "again.json"
    other.export_state(again)
    assert json.loads(again.read_text())["tables"]["assets"] == body["tables"]["assets"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("null", "holds null, not a mockango state export"),
        ("[1, 2]", "holds a list, not a mockango state export"),
        ("{half", "is not valid JSON"),
        ('{"format": "other"}', "is not a mockango state export"),
        ('{"format": "mockango-state", "version": 1, "tables": {"nope": []}}', "tables this mockango does not know"),
    ],
)
def test_an_unreadable_export_says_why_and_changes_nothing(tmp_path, content, message):
    hub = Hub(seed=1)
    plugin = hub.create_plugin("Kept")
    (tmp_path / "bad.json").write_text(content)
    with pytest.raises(StateFileError, match=message):
        hub.import_state(tmp_path / "bad.json")
    assert hub.get_plugin(plugin.id).name == "Kept"


def test_a_row_that_cannot_be_stored_rolls_the_whole_import_back(tmp_path):
    hub = Hub(seed=1)
    hub.export_state(tmp_path / "good.json")
    body = json.loads((tmp_path / "good.json").read_text())
    body["tables"]["assets"].append(dict(body["tables"]["assets"][0]))  # a duplicate id
    (tmp_path / "bad.json").write_text(json.dumps(body))
    plugin = hub.create_plugin("Kept")
    with pytest.raises(StateFileError, match=r"tables\.assets\[25\] cannot be stored"):
        hub.import_state(tmp_path / "bad.json")
    assert hub.get_plugin(plugin.id).name == "Kept"


def test_a_failed_export_keeps_the_old_file(tmp_path, monkeypatch):
    hub = Hub(seed=1)
    target = tmp_path / "state.json"
    target.write_text("old")
    monkeypatch.setattr("mockango.store.transfer.json.dumps", lambda *a, **k: (_ for _ in ()).throw(OSError("full")))
    with pytest.raises(OSError):
        hub.export_state(target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left


def test_the_old_json_state_file_imports(tmp_path):
    old = {
        "format": 2,
        "seed": 0,
        "defaults": {"organization": "o1", "user": "u1", "project": "p1"},
        "organizations": [{"id": "o1", "name": "Org"}],
        "users": [{"id": "u1", "email": "a@b.c", "name": "A", "organization_id": "o1", "api_key": "k" * 48}],
        "projects": [
            {
                "id": "p1",
                "name": "P",
                "description": "",
                "organization_id": "o1",
                "category_schema": {"tools": [], "classifications": [], "relations": []},
                "batches": [{"id": "b1", "name": "B"}],
                "asset_ids": ["a1"],
                "created_at": 1.0,
            }
        ],
        "assets": [
            {
                "id": "a1",
                "project_id": "p1",
                "external_id": "x.png",
                "data": "http://x/x.png",
                "metadata": {},
                "batches": ["b1"],
                "created_at": 1.0,
                "labels": {"objects": []},
                "labeled_by_session": None,
                "hosted": False,
            }
        ],
        "plugins": [],
        "sessions": [],
        "runKeys": [],
    }
    (tmp_path / "state.json").write_text(json.dumps(old))
    hub = Hub(seed=0)
    hub.import_state(tmp_path / "state.json")
    assert hub.authenticate("k" * 48).id == "u1"
    assert hub.default_project.asset_count == 1 and hub.default_project.batches[0].name == "B"
    assets, total = hub.find_assets(hub.default_user, "p1", filters={"batches": ["b1"]})
    assert total == 1 and assets[0]["isPreLabeled"]


def test_a_state_file_of_another_seed_is_refused(tmp_path):
    Hub(seed=1, state=tmp_path / "state.sqlite3").close_store()
    with pytest.raises(StateFileError, match="was made with --seed 1, not 2: use that seed, or --fresh"):
        Hub(seed=2, state=tmp_path / "state.sqlite3")


@pytest.mark.parametrize("content", [b"null", b"[]", b"garbage" * 100, b"SQLite format 3\x00" + b"\x01" * 200])
def test_a_state_file_that_is_not_a_database_gives_one_clear_error(tmp_path, content):
    (tmp_path / "state.sqlite3").write_bytes(content)
    with pytest.raises(StorageError, match="state.sqlite3"):
        Hub(state=tmp_path / "state.sqlite3")


def test_export_then_import_keeps_tasks_issues_and_storages_with_their_counters(tmp_path):
    hub = Hub(seed=5)
    user, project_id = hub.default_user, hub.default_project.id
    vehicle = hub.default_project.tools()[0]["schemaId"]
    first, second = (t["_id"] for t in hub.tasks.page(user, project_id, limit=2)[0])
    answer = {
        "objects": [{"objectId": "o1", "schemaId": vehicle, "bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2}}],
        "classifications": [],
        "relations": [],
    }
    hub.tasks.annotate(user, first, {"answer": answer, "duration": 3}, next_stage=True)  # to Review, with history
    hub.tasks.set_task(second, stage="Complete", assignee="someone@example.com", priority=4)
    issue = hub.issues.create(user, {"labelTask": first, "content": "check the box", "objectId": "o1"})
    hub.issues.comment(user, issue["_id"], {"content": "agreed"})
    storage = hub.storages.create(user, {"name": "bucket", "provider": "AWS", "region": "eu-west-1"})
    hub.storages.put_file(storage["_id"], "images", "cars/one.png", b"png")

    def snapshot(h: Hub) -> dict:
        return {
            "tasks": h.tasks.project_tasks(project_id),
            "counts": h.tasks.stage_counts(project_id),
            "history": {t: h.tasks.history_of(user, t) for t in (first, second)},
            "issues": h.issues.find(user, project_id),
            "storages": h.storages.list(user),
            "files": h.storages.listing(user, storage["_id"], "images", "cars", signed=False),
        }

    before = snapshot(hub)
    assert before["counts"] == {"Start": 0, "Label": 23, "Review": 1, "Complete": 1}
    assert before["history"][first] and before["issues"][0]["comments"][0]["content"] == "agreed"
    exported = tmp_path / "state.json"
    hub.export_state(exported)
    tables = json.loads(exported.read_text())["tables"]
    assert [r["answer"] for r in tables["tasks"] if r["answer"] is not None] == [answer]  # JSON, not a string
    assert isinstance(tables["issues"][0]["body"], dict)  # JSON columns stay readable JSON

    other = Hub(seed=5)
    other.import_state(exported)
    assert snapshot(other) == before
    # The counters are right for what happens next, too: one more move shows in them.
    other.tasks.set_task(second, stage="Label")
    assert other.tasks.stage_counts(project_id) == {"Start": 0, "Label": 24, "Review": 1, "Complete": 0}


def test_an_export_without_tasks_still_imports_with_fresh_tasks(tmp_path):
    hub = Hub(seed=5)
    exported = tmp_path / "state.json"
    hub.export_state(exported)
    body = json.loads(exported.read_text())
    for table in ("tasks", "task_history", "issues", "storages", "storage_files"):
        body["tables"].pop(table)  # a file written before these were exported
    (tmp_path / "older.json").write_text(json.dumps(body))
    other = Hub(seed=5)
    other.tasks.set_task(
        other.tasks.for_asset(other.project_assets(other.default_project.id)[0]["_id"])["_id"], stage="Complete"
    )
    other.import_state(tmp_path / "older.json")
    project_id = other.default_project.id
    assert other.tasks.stage_counts(project_id) == {"Start": 0, "Label": 25, "Review": 0, "Complete": 0}
    assert len(other.tasks.project_tasks(project_id)) == 25
