"""Issues over real HTTP: create, find, update, comment, delete; refusals change nothing."""

from __future__ import annotations

from tests.sdk.conftest import asset_ids, task_of


def first_task(host, project):
    return task_of(host, asset_ids(host)[0])


def test_issue_lifecycle(api, host, project):
    task = first_task(host, project)
    status, body = api.post(
        "/v2/issues",
        {
            "content": "too tight",
            "labelTask": task["_id"],
            "position": "[1, 2]",
            "errorCodes": [{"category": "geometry", "name": "tight"}],
        },
    )
    assert status == 201, body
    issue = body["data"]["issue"]
    assert issue["asset"] == task["asset"] and issue["status"] == "Open" and issue["stage"] == "Label"
    assert api.get(f"/v2/task/{task['_id']}")[1]["data"]["task"]["openIssuesCount"] == 1
    found = api.get("/v2/issues", project=project.id, labelTask=task["_id"])[1]["data"]["issues"]
    assert [i["_id"] for i in found] == [issue["_id"]]
    assert api.get("/v2/issues", project=project.id, asset=asset_ids(host)[1])[1]["data"]["issues"] == []
    assert api.post(f"/v2/issues/{issue['_id']}", {"status": "Resolved"})[1]["data"]["issue"]["status"] == "Resolved"
    assert api.get(f"/v2/task/{task['_id']}")[1]["data"]["task"]["openIssuesCount"] == 0
    assert api.post(f"/v2/issues/{issue['_id']}/comment", {"content": "done"})[0] == 201
    assert api.get("/v2/issues", project=project.id)[1]["data"]["issues"][0]["comments"][0]["content"] == "done"
    assert api.delete(f"/v2/issues/{issue['_id']}", project="f" * 24)[0] == 404
    assert api.delete(f"/v2/issues/{issue['_id']}", project=project.id)[0] == 200
    assert api.get("/v2/issues", project=project.id)[1]["data"]["issues"] == []


def test_refusals(api, stranger, host, project):
    task = first_task(host, project)
    status, body = api.post("/v2/issues", {"content": "", "labelTask": task["_id"]})
    assert status == 400 and "content" in body["message"]
    status, body = api.post("/v2/issues", {"content": "x", "labelTask": task["_id"], "objectId": "ghost"})
    assert status == 400 and "objectId" in body["message"]
    assert api.post("/v2/issues", {"content": "x", "labelTask": "f" * 24})[0] == 404
    assert stranger.post("/v2/issues", {"content": "x", "labelTask": task["_id"]})[0] == 404
    made = api.post("/v2/issues", {"content": "x", "labelTask": task["_id"]})[1]["data"]["issue"]
    status, body = api.post(f"/v2/issues/{made['_id']}", {"status": "Maybe"})
    assert status == 400 and "status" in body["message"]
    assert stranger.post(f"/v2/issues/{made['_id']}", {"status": "Resolved"})[0] == 404
    assert api.get("/v2/issues", project=project.id)[1]["data"]["issues"][0]["status"] == "Open"
