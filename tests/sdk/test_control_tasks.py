"""The control API's tasks and storage files, over real HTTP."""

from __future__ import annotations


def test_tasks_listed_moved_and_answered(api, stranger, host, box_schema):
    status, body = api.get(f"/api/projects/{host.project_id}/tasks", limit=5)
    assert status == 200 and body["total"] == len(host.assets()) and len(body["tasks"]) == 5
    assert [s["id"] for s in body["stages"]] == ["Start", "Label", "Review", "Complete"]
    task = body["tasks"][0]
    answer = {"objects": [{"schemaId": box_schema, "bounding-box": {"x": 1, "y": 1, "width": 1, "height": 1}}]}
    status, changed = api.post(f"/api/tasks/{task['_id']}", {"stage": "Review", "priority": 2, "answer": answer})
    assert status == 200, changed
    assert changed["stage"] == "Review" and changed["priority"] == 2 and len(changed["answer"]["tools"]) == 1
    # A coordinate that is a string breaks the documented shape: refused, and the stage does not change either.
    bad = {"objects": [{"schemaId": box_schema, "bounding-box": {"x": "1", "y": 1, "width": 1, "height": 1}}]}
    status, refused = api.post(f"/api/tasks/{task['_id']}", {"stage": "Complete", "answer": bad})
    assert status == 400 and refused["errors"][0]["code"] == "type", refused
    assert api.get(f"/v2/task/{task['_id']}")[1]["data"]["task"]["stage"] == "Review"
    status, refused = api.post(f"/api/tasks/{task['_id']}", {"stage": "Nowhere", "answer": {"objects": []}})
    assert status == 400 and "Nowhere" in refused["message"]
    assert len(api.get(f"/v2/task/{task['_id']}")[1]["data"]["task"]["answer"]["tools"]) == 1
    assert api.post(f"/api/tasks/{task['_id']}", {"colour": "red"})[0] == 400
    assert stranger.post(f"/api/tasks/{task['_id']}", {"priority": 1})[0] == 404
    assert stranger.get(f"/api/projects/{host.project_id}/tasks")[0] == 404


def test_storage_files_put_then_listed(api, stranger, host):
    storage = host.create_storage("ctl")
    status, body = api.call("PUT", f"/api/storages/{storage}/files?bucket=b&path=dir/x.png", data=b"png")
    assert status == 201 and body["size"] == 3
    listed = api.call("GET", f"/v2/storages/{storage}/files", params={"bucketName": "b", "path": "dir"})[1]
    assert [f["name"] for f in listed["data"]["files"]] == ["x.png"]
    assert stranger.call("PUT", f"/api/storages/{storage}/files?bucket=b&path=y.png", data=b"x")[0] == 404
    assert api.call("PUT", f"/api/storages/{storage}/files?bucket=b&path=../y", data=b"x")[0] == 400
