"""Exports stream (issue 21 item 1): written a chunk at a time, by a worker process for a big project of a
file store, and read back by plugin_client a line at a time; the rows are exactly what the task views say."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests

from mockango import Hub, MockAngo
from mockango.records import exports as export_records
from mockango.services import exports
from plugin_client import SDK

ONTOLOGY = {
    "tools": [{"schemaId": "box", "tool": "bounding-box", "title": "Box"}],
    "classifications": [
        {"schemaId": "kind", "tool": "radio", "title": "Kind", "options": [{"value": "a", "schemaId": "kind-a"}]}
    ],
}
STAGES = [
    {"id": "Start", "type": "Start", "next": ["Label"]},
    {"id": "Label", "type": "Label", "name": "Labelling", "next": ["Review"]},
    {"id": "Review", "type": "Review", "next": ["Complete", "Label"]},
    {"id": "Complete", "type": "Complete", "next": []},
]
SIZE = 47


def varied_project(hub: Hub):
    """Tasks that differ in everything an export shows: answers (their own, pre-labels, key frames),
    batches (none, one, two), stages, assignees, history, metadata, hosted and linked assets."""
    user = hub.default_user
    assets = [
        {
            "externalId": f"e-{n}",
            "data": f"https://example.com/{n}.png",
            "batches": [[], ["b0"], ["b1"], ["b0", "b1"]][n % 4],
            "metadata": {"width": 10 + n % 3, "height": 10},
        }
        for n in range(SIZE)
    ]
    project = hub.create_project("export", ONTOLOGY, assets)
    hub.tasks.set_stages(user, project.id, STAGES)
    box = {"schemaId": "box", "objectId": "o1", "bounding-box": {"x": 1, "y": 1, "width": 2, "height": 2}}
    hub.import_labels(user, project.id, [{"externalId": f"e-{n}", "objects": [box]} for n in range(0, SIZE, 5)])
    tasks, _ = hub.tasks.page(user, project.id, limit=SIZE)
    for n, task in enumerate(tasks):
        if n % 3 == 0:
            frames = [{"frame": 0, "isKeyFrame": True}, {"frame": 1, "isKeyFrame": False}, {"frame": 2}]
            answer = {
                "objects": [{**box, "frames": frames}] if n % 2 else [],
                "classifications": [{"schemaId": "kind", "answer": "a"}],
            }
            hub.tasks.set_task(task["_id"], answer=answer, assignee=user.email, priority=n % 4)
        if n % 7 == 0:
            hub.tasks.set_task(task["_id"], stage=["Review", "Complete", "Label"][n % 3], review_status="Fixed")
    return project


def reference(hub: Hub, project, *, history=True, metadata=True, key_frames_only=False) -> list[dict]:
    """What an export must hold, built from the public per-task views (no export code)."""
    user = hub.default_user
    names = {b.id: b.name for b in project.batches}
    stage_names = {s["id"]: s.get("name", s["id"]) for s in hub.tasks.stages(project.id)}
    rows = []
    for view in hub.tasks.project_tasks(project.id):
        answer = json.loads(json.dumps(view["answer"]))
        if key_frames_only:
            for tool in answer["tools"]:
                if isinstance(tool.get("frames"), list):
                    tool["frames"] = [f for f in tool["frames"] if f.get("isKeyFrame", True)]
        task = {
            "taskId": view["_id"],
            "stage": stage_names[view["stage"]],
            "stageId": view["stage"],
            "status": view["status"],
            "assignee": view["assignee"],
            "reviewStatus": view["reviewStatus"],
            "priority": view["priority"],
            "duration": view["duration"],
            "totalDuration": view["totalDuration"],
            "brushDataUrl": view["brushDataUrl"],
            **answer,
            "createdAt": view["createdAt"],
            "updatedAt": view["updatedAt"],
        }
        if history:
            task["history"] = [
                {k: v for k, v in entry.items() if k not in ("task", "project", "asset")}
                for entry in hub.tasks.history_of(user, view["_id"])
            ]
        row = {
            "externalId": view["externalId"],
            "asset": view["data"],
            "assetId": view["asset"],
            "dataset": [],
            "batches": [names[b] for b in view["batches"]],
            "task": task,
        }
        if metadata:
            row["metadata"] = hub.project_asset(project.id, view["asset"])["metadata"]
        rows.append(row)
    return rows


def read_zip(hub: Hub, url: str) -> tuple[str, str]:
    key = hub.objects.key_of_url(url)
    archive = zipfile.ZipFile(io.BytesIO(hub.objects.get(key)))
    name = archive.namelist()[0]
    return name, archive.read(name).decode()


@pytest.mark.parametrize("store", ["memory", "file", "file-worker"])
def test_an_export_holds_exactly_the_task_views(store, tmp_path, monkeypatch):
    if store == "file-worker":
        monkeypatch.setattr(exports, "WORKER_MIN_TASKS", 0)  # every export goes to the worker process
    monkeypatch.setattr(export_records, "CHUNK", 10)  # several chunks, and history looked up per chunk
    hub = Hub() if store == "memory" else Hub(state=tmp_path / "state.sqlite3", files_dir=tmp_path / "files")
    project = varied_project(hub)
    user = hub.default_user
    expected = reference(hub, project)
    name, text = read_zip(hub, hub.exports.build(user, project.id, {"format": "ndjson"}))
    assert name == "export.ndjson"
    assert [json.loads(line) for line in text.splitlines()] == expected
    name, text = read_zip(hub, hub.exports.build(user, project.id, {}))
    assert name == "export.json" and json.loads(text) == expected

    plain = reference(hub, project, history=False, metadata=False, key_frames_only=True)
    url = hub.exports.build(
        user,
        project.id,
        {"includeHistory": "false", "includeMetadata": "false", "includeOnlyKeyFrames": "true", "format": "ndjson"},
    )
    assert [json.loads(line) for line in read_zip(hub, url)[1].splitlines()] == plain

    b1 = next(b for b in project.batches if b.name == "b1")
    chosen = {"stage": json.dumps(["Labelling", "Review"]), "batches": json.dumps([b1.id]), "format": "ndjson"}
    rows = [json.loads(line) for line in read_zip(hub, hub.exports.build(user, project.id, chosen))[1].splitlines()]
    assert rows == [r for r in expected if r["task"]["stageId"] in ("Label", "Review") and "b1" in r["batches"]]
    assert 0 < len(rows) < SIZE
    middle = expected[SIZE // 2]["task"]["createdAt"][:23] + "500Z"  # the client sends microseconds; 23 are kept
    after = {"createdAt": json.dumps({"$gt": middle}), "updatedAt": json.dumps({"$lt": "2999"}), "format": "ndjson"}
    rows = [json.loads(line) for line in read_zip(hub, hub.exports.build(user, project.id, after))[1].splitlines()]
    assert rows == [r for r in expected if r["task"]["createdAt"] > middle[:23]]
    none = {"taskTypes": json.dumps(["review"]), "format": "json"}
    assert json.loads(read_zip(hub, hub.exports.build(user, project.id, none))[1]) == []
    hub.close_store()


def test_a_big_export_of_a_file_store_is_written_by_a_worker_process(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "WORKER_MIN_TASKS", 10)
    hub = Hub(state=tmp_path / "state.sqlite3", files_dir=tmp_path / "files")
    project = varied_project(hub)
    written = []
    real = hub.export_workers.write
    monkeypatch.setattr(hub.export_workers, "write", lambda plan, path: written.append(real(plan, path)) or written[-1])
    in_thread = []
    monkeypatch.setattr(exports, "write_export", lambda *a: in_thread.append(a))  # the server's thread writes nothing
    hub.exports.build(hub.default_user, project.id, {"format": "ndjson"})
    assert written == [SIZE] and in_thread == []
    hub.close_store()


def test_the_sdk_reads_an_export_a_line_at_a_time(tmp_path):
    """SDK.export downloads to a temporary file and parses rows as they are read, then drops the file."""
    with MockAngo(hub=Hub(state=tmp_path / "state.sqlite3", files_dir=tmp_path / "files")) as host:
        project = varied_project(host.hub)
        expected = [{**row, "asset": row["asset"]} for row in reference(host.hub, project)]
        with SDK(host.api_key, host.url) as sdk:
            rows, count = sdk.export(project.id)
            assert count == SIZE
            first = next(rows)
            assert rows.gi_frame is not None  # a generator still reading: the rest is parsed as it is read
            assert [first, *rows] == expected


def test_an_export_file_is_served_as_a_stream(tmp_path):
    with MockAngo(hub=Hub(state=tmp_path / "state.sqlite3", files_dir=tmp_path / "files")) as host:
        project = varied_project(host.hub)
        url = host.hub.exports.build(host.hub.default_user, project.id, {"format": "ndjson"})
        answer = requests.get(url.replace("http://127.0.0.1:8080", host.url), timeout=10, stream=True)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/zip"
        assert "Content-Length" in answer.headers  # sent from the file, not built in memory first
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        assert len(archive.read("export.ndjson").splitlines()) == SIZE
