"""The same project data from Python (MockAngo): read and set tasks, batches, storages, files, exports."""

from __future__ import annotations

import json

import requests

from mockango.errors import InvalidRequest


def test_tasks_from_python(host, api, box_schema):
    tasks = host.tasks()
    assert len(tasks) == len(host.assets()) and tasks[0]["stage"] == "Label"
    answer = {
        "objects": [
            {"schemaId": box_schema, "objectId": "py", "bounding-box": {"x": 0, "y": 0, "width": 1, "height": 1}}
        ],
        "classifications": [],
        "relations": [],
    }
    changed = host.set_task(tasks[0]["_id"], stage="Review", assignee="a@b.c", answer=answer)
    assert changed["stage"] == "Review" and changed["answer"]["tools"][0]["objectId"] == "py"
    over_http = api.get(f"/v2/task/{tasks[0]['_id']}")[1]["data"]["task"]
    assert over_http["stage"] == "Review" and over_http["assignee"] == "a@b.c"
    assert host.task_for_asset(tasks[0]["asset"])["_id"] == tasks[0]["_id"]
    try:
        host.set_task(tasks[0]["_id"], stage="Nowhere")
    except InvalidRequest as exc:
        assert "Nowhere" in str(exc)
    else:
        raise AssertionError("an unknown stage was accepted")
    rows = host.export(stage=json.dumps(["Review"]))
    assert [r["task"]["taskId"] for r in rows] == [tasks[0]["_id"]]


def test_batches_storages_files_from_python(host, api):
    batch = host.create_batch("py batch")
    assert batch in [b["_id"] for b in api.get(f"/v2/project/{host.project_id}")[1]["data"]["project"]["batches"]]
    storage = host.create_storage("py", region="us-east-1")
    host.put_storage_file(storage, "b", "x/1.png", b"one")
    files = api.call("GET", f"/v2/storages/{storage}/files", params={"bucketName": "b", "path": "x"})[1]
    assert [f["name"] for f in files["data"]["files"]] == ["1.png"]
    url = api.get("/v2/getUploadUrl", name="n.bin", project=host.project_id, type="assets")[1]["data"]["uploadUrl"]
    requests.put(url, data=b"bytes", timeout=10)
    assert host.file(url) == b"bytes"


def test_a_runs_uploads_and_a_plugins_answer_are_remembered(host, api, box_schema):
    hub, user = host.hub, host.hub.default_user
    made = hub.uploads.add_assets(
        user,
        host.project_id,
        [{"data": "https://example.com/r1.png"}, {"data": "https://example.com/r2.png"}],
        session_id="run-1",
    )
    hub.uploads.add_assets(user, host.project_id, [{"data": "https://example.com/other.png"}])
    assert hub.uploads.created_by("run-1") == [a["_id"] for a in made]
    answer = {"objects": [{"schemaId": box_schema, "bounding-box": {"x": 0, "y": 0, "width": 1, "height": 1}}]}
    task = hub.tasks.store_plugin_answer(made[0]["_id"], answer, "session:run-1")
    assert len(task["answer"]["tools"]) == 1 and task["stage"] == "Label"
    history = api.get(f"/v2/task/{task['_id']}/history")[1]["data"]["taskHistory"]
    assert [(h["action"], h["actor"]) for h in history] == [("plugin-answer", "session:run-1")]
    hub.uploads.delete_assets(user, host.project_id, [made[1]["_id"]])
    assert hub.uploads.created_by("run-1") == [made[0]["_id"]]


def test_reset_brings_tasks_and_their_counts_back(host, api):
    first = host.tasks()[0]
    host.set_task(first["_id"], stage="Review", assignee="a@b.c")
    api.post(f"/v2/project/{host.project_id}/cloud", {"assets": [{"data": "https://example.com/extra.png"}]})
    host.reset()
    api.http.headers["apikey"] = host.api_key
    tasks = host.tasks()
    assert len(tasks) == 25 and {t["stage"] for t in tasks} == {"Label"} and tasks[0]["assignee"] is None
    assert host.hub.tasks.stage_counts(host.project_id) == {"Start": 0, "Label": 25, "Review": 0, "Complete": 0}
    assert api.get(f"/v2/project/{host.project_id}/tasks", stage="Label")[1]["data"]["total"] == 25
