"""Tasks and workflow over real HTTP: paging, filters, annotate, review, requeue, assign, history."""

from __future__ import annotations

import json

from tests.sdk.conftest import asset_ids, task_of


def tasks_of(api, project, **params):
    status, body = api.get(f"/v2/project/{project.id}/tasks", **params)
    assert status == 200, body
    return body["data"]


def test_every_asset_has_a_task_waiting_at_label(api, host, project):
    page = tasks_of(api, project, page=2, limit=10)
    assert page["total"] == len(asset_ids(host))
    assert [t["asset"] for t in page["tasks"]] == asset_ids(host)[10:20]
    assert {t["stage"] for t in page["tasks"]} == {"Label"} and {t["status"] for t in page["tasks"]} == {"TODO"}
    assert "answer" not in page["tasks"][0]
    assert "answer" in tasks_of(api, project, limit=1, includeAnswer="true")["tasks"][0]


def test_filters_by_stage_status_batches_assignee(api, host, project):
    batch = project.batches[1].id
    in_batch = [a["_id"] for a in host.assets() if batch in a["batches"]]
    found = tasks_of(api, project, limit=100, filter=json.dumps({"batches": {"$in": [batch]}}))
    assert sorted(t["asset"] for t in found["tasks"]) == sorted(in_batch)
    assert tasks_of(api, project, stage="Review")["total"] == 0
    assert tasks_of(api, project, **{"status[eq]": "TODO"})["total"] == len(asset_ids(host))
    first = tasks_of(api, project, limit=1)["tasks"][0]
    status, _ = api.post(
        "/v2/task/assign",
        {"project": project.id, "tasks": [first["_id"]], "user": host.hub.default_user.email, "stage": "Label"},
    )
    assert status == 200
    mine = tasks_of(api, project, filter=json.dumps({"assignee": {"$eq": host.hub.default_user.email}}))
    assert [t["_id"] for t in mine["tasks"]] == [first["_id"]]


def test_bad_filters_are_refused_by_name(api, project):
    status, body = api.get(f"/v2/project/{project.id}/tasks", filter=json.dumps({"colour": "red"}))
    assert status == 400 and "filter.colour" in body["message"]
    status, body = api.get(f"/v2/project/{project.id}/tasks", filter=json.dumps({"stage": {"$near": 1}}))
    assert status == 400 and "$near" in body["message"]
    status, body = api.get(f"/v2/project/{project.id}/tasks", limit=0)
    assert status == 400 and "limit" in body["message"]


def test_annotate_review_and_history(api, project, box_schema):
    task = tasks_of(api, project, limit=1)["tasks"][0]
    answer = {
        "objects": [
            {"schemaId": box_schema, "objectId": "o1", "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}
        ],
        "classifications": [],
        "relations": [],
    }
    status, body = api.post(
        f"/v2/annotate/{task['_id']}", {"answer": answer, "duration": 5}, nextStage="true", isPlugin="false"
    )
    assert status == 200, body
    shown = body["data"]["task"]
    assert shown["stage"] == "Review" and shown["answer"]["tools"][0]["objectId"] == "o1"
    assert shown["answer"]["tools"][0]["title"]  # Ango shows tools with their titles
    status, body = api.post(f"/v2/review/{task['_id']}", {"reviewStatus": "Rejected"})
    assert status == 200 and body["data"]["task"]["stage"] == "Label"
    status, body = api.get(f"/v2/task/{task['_id']}/history")
    assert [h["action"] for h in body["data"]["taskHistory"]] == ["submit", "review"]
    assert body["data"]["taskHistory"][1]["reviewStatus"] == "Rejected"


def test_a_wrong_answer_is_refused_with_paths_and_changes_nothing(api, host, project, box_schema):
    host.hub.strict = True  # a negative width and an unknown schemaId refuse only in strict mode
    task = tasks_of(api, project, limit=1)["tasks"][0]
    bad = {
        "objects": [
            {"schemaId": box_schema, "bounding-box": {"x": 1, "y": 2, "width": -3, "height": 4}},
            {"schemaId": "no-such-schema", "point": [1, 2]},
        ]
    }
    status, body = api.post(f"/v2/annotate/{task['_id']}", {"answer": bad}, nextStage="true")
    assert status == 400
    paths = [e["path"] for e in body["errors"]]
    assert any(p.startswith("answer.objects[0]") for p in paths) and any(
        p.startswith("answer.objects[1]") for p in paths
    ), paths
    status, after = api.get(f"/v2/task/{task['_id']}")
    assert after["data"]["task"]["stage"] == "Label" and after["data"]["task"]["answer"]["tools"] == []
    assert api.get(f"/v2/task/{task['_id']}/history")[1]["data"]["taskHistory"] == []


def test_review_needs_a_review_stage(api, project):
    task = tasks_of(api, project, limit=1)["tasks"][0]
    status, body = api.post(f"/v2/review/{task['_id']}", {"reviewStatus": "Accepted"})
    assert status == 409 and "not at a Review stage" in body["message"]
    status, body = api.post(f"/v2/review/{task['_id']}", {"reviewStatus": "Great"})
    assert status == 400 and "reviewStatus" in body["message"]


def test_requeue_priority_and_their_refusals(api, project):
    ids = [t["_id"] for t in tasks_of(api, project, limit=3)["tasks"]]
    status, body = api.post(
        f"/v2/project/{project.id}/requeueTasks",
        {"toStageId": "Review", "filters": {"taskIds": ids[:2]}, "options": {}},
    )
    assert status == 200 and body["data"]["requeued"] == 2
    assert tasks_of(api, project, stage="Review")["total"] == 2
    status, body = api.post(f"/v2/project/{project.id}/requeueTasks", {"toStageId": "Nowhere"})
    assert status == 400 and "toStageId" in body["message"]
    status, body = api.post(
        f"/v2/project/{project.id}/updatePriority", {"priority": 3, "filters": {"fromStageIds": ["Review"]}}
    )
    assert status == 200 and body["data"]["updated"] == 2
    status, body = api.post(
        f"/v2/project/{project.id}/updatePriority", {"priority": 3, "filters": {"taskIds": [ids[0], "f" * 24]}}
    )
    assert status == 400 and "filters.taskIds[1]" in body["message"]
    assert api.get(f"/v2/task/{ids[2]}")[1]["data"]["task"]["priority"] == 0


def test_assign_checks_member_and_stage(api, host, project):
    task = tasks_of(api, project, limit=1)["tasks"][0]
    body = {"project": project.id, "tasks": [task["_id"]], "user": "nobody@example.com", "stage": "Label"}
    status, answer = api.post("/v2/task/assign", body)
    assert status == 400 and "not a member" in answer["message"]
    status, answer = api.post("/v2/task/assign", {**body, "user": host.hub.default_user.email, "stage": "Review"})
    assert status == 409 and "tasks[0]" in answer["message"]
    assert api.get(f"/v2/task/{task['_id']}")[1]["data"]["task"]["assignee"] is None


def test_workflow_with_a_plugin_stage(api, host, project):
    plugin = host.create_plugin("Stage model")
    stages = [
        {"id": "Start", "type": "Start", "next": ["Label"]},
        {"id": "Label", "type": "Label", "next": ["Auto"]},
        {"id": "Auto", "type": "Plugin", "pluginId": plugin.id, "next": ["Complete"]},
        {"id": "Complete", "type": "Complete", "next": []},
    ]
    status, body = api.post(f"/v2/project/{project.id}", {"stages": stages})
    assert status == 200, body
    assert [s["id"] for s in body["data"]["project"]["stages"]] == ["Start", "Label", "Auto", "Complete"]
    status, body = api.post(f"/v2/project/{project.id}", {"stages": stages[:2] + stages[3:]})
    assert status == 400 and "stages[1].next[0]" in body["message"]
    status, body = api.post(f"/v2/project/{project.id}", {"stages": [stages[0], stages[3]]})
    assert status == 400 and "Label" in body["message"]


def test_dropping_a_stage_that_holds_tasks_is_refused(api, project):
    stages = [
        {"id": "Start", "type": "Start", "next": ["Complete"]},
        {"id": "Complete", "type": "Complete", "next": []},
    ]
    status, body = api.post(f"/v2/project/{project.id}", {"stages": stages})
    assert status == 409 and "requeue" in body["message"]
    assert [s["id"] for s in api.get(f"/v2/project/{project.id}")[1]["data"]["project"]["stages"]] == [
        "Start",
        "Label",
        "Review",
        "Complete",
    ]


def test_imported_pre_labels_are_the_task_answer(api, host, project, box_schema):
    asset = host.assets()[0]
    labels = [
        {
            "externalId": asset["externalId"],
            "objects": [
                {"schemaId": box_schema, "objectId": "pre", "bounding-box": {"x": 0, "y": 0, "width": 5, "height": 5}}
            ],
        }
    ]
    assert api.post("/v2/import/labels", {"project": project.id, "jsonContent": labels})[0] == 200
    task = task_of(host, asset["_id"])
    shown = api.get(f"/v2/task/{task['_id']}", includeAnswer="false")[1]["data"]["task"]
    assert [t["objectId"] for t in shown["answer"]["tools"]] == ["pre"]


def test_tasks_are_private_to_their_organization(api, stranger, project):
    task = tasks_of(api, project, limit=1)["tasks"][0]
    assert stranger.get(f"/v2/task/{task['_id']}")[0] == 404
    assert stranger.get(f"/v2/project/{project.id}/tasks")[0] == 404
    assert stranger.post(f"/v2/annotate/{task['_id']}", {"answer": {}})[0] == 404
    assert stranger.get(f"/v2/task/{task['_id']}/history")[0] == 404


def test_every_task_route_needs_an_api_key(host, project):
    from tests.sdk.conftest import Api

    anonymous = Api(host.url, None)
    assert anonymous.get(f"/v2/project/{project.id}/tasks")[0] == 401
    assert anonymous.post("/v2/task/assign", {})[0] == 401


def test_pages_in_both_orders_cover_every_task_once(api, host, project):
    ids = asset_ids(host)
    forward = [t["asset"] for p in (1, 2, 3) for t in tasks_of(api, project, page=p, limit=10)["tasks"]]
    backward = [
        t["asset"] for p in (1, 2, 3) for t in tasks_of(api, project, page=p, limit=10, sort="-createdAt")["tasks"]
    ]
    assert forward == ids and backward == ids[::-1]
    assert tasks_of(api, project, page=4, limit=10)["tasks"] == []
    status, body = api.get(f"/v2/project/{project.id}/tasks", sort="priority")
    assert status == 400 and "sort" in body["message"]
