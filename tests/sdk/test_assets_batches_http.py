"""Assets and batches added through the SDK's routes, over real HTTP: they behave like seeded ones."""

from __future__ import annotations

import json

import pytest

from mockango.errors import NotFound
from tests.sdk.conftest import asset_ids


def batch_id(api, project, name):
    batches = api.get(f"/v2/project/{project.id}")[1]["data"]["project"]["batches"]
    return next(b["_id"] for b in batches if b["name"] == name)


def test_create_batch_both_shapes(api, project):
    status, body = api.post(f"/v2/batches/{project.id}", {"name": "new one"})
    assert status == 201 and body["data"]["project"]["name"] == "new one"
    existing = api.get(f"/v2/project/{project.id}")[1]["data"]["project"]["batches"]
    status, body = api.post(f"/v2/batches/{project.id}", {"batches": existing + [{"name": "list one"}]})
    assert status == 201, body
    names = [b["name"] for b in api.get(f"/v2/project/{project.id}")[1]["data"]["project"]["batches"]]
    assert names == ["Batch 1", "Batch 2", "new one", "list one"]


def test_batch_refusals_change_nothing(api, host, project):
    status, body = api.post(f"/v2/batches/{project.id}", {"name": "Batch 1"})
    assert status == 400 and "already exists" in body["message"]
    status, body = api.post(f"/v2/batches/{project.id}", {"batches": [{"name": "only this"}]})
    assert status == 400 and "every existing batch" in body["message"]
    status, body = api.post(f"/v2/batches/{project.id}", {"batches": [{"name": "x"}, {"name": "x"}]})
    assert status == 400 and "batches[1].name" in body["message"]
    assert [b.name for b in host.hub.default_project.batches] == ["Batch 1", "Batch 2"]


def test_assign_batches_shows_in_asset_filters(api, host, project):
    api.post(f"/v2/batches/{project.id}", {"name": "picked"})
    chosen = asset_ids(host)[:2]
    status, body = api.post("/v2/assignBatches", {"projectId": project.id, "assets": chosen, "batches": ["picked"]})
    assert status == 200, body
    found = api.get(
        f"/v2/project/{project.id}/assets", filters=json.dumps({"batches": [batch_id(api, project, "picked")]})
    )[1]["data"]
    assert sorted(a["_id"] for a in found["assets"]) == sorted(chosen)
    status, body = api.post("/v2/assignBatches", {"projectId": project.id, "assets": chosen, "batches": ["nope"]})
    assert status == 400 and "batches[0]" in body["message"]


def test_cloud_upload_into_batches_with_tasks(api, host, project):
    before = len(asset_ids(host))
    assets = [
        {"data": "https://example.com/a.jpg", "externalId": "a", "metadata": {"width": 10, "height": 20}},
        {"data": "https://example.com/b.jpg", "batches": ["Batch 2"]},
    ]
    status, body = api.post(
        f"/v2/project/{project.id}/cloud",
        {"assets": assets, "priority": 4},
        batches=json.dumps([batch_id(api, project, "Batch 1")]),
    )
    assert status == 201, body
    created = body["data"]["assets"]
    assert [a["externalId"] for a in created] == ["a", "b.jpg"]
    assert created[1]["batches"] == [batch_id(api, project, "Batch 1"), batch_id(api, project, "Batch 2")]
    page = api.get(f"/v2/project/{project.id}/assets", page=3, limit=10)[1]["data"]
    assert page["total"] == before + 2 and page["assets"][-1]["_id"] == created[1]["_id"]
    tasks = api.get(f"/v2/project/{project.id}/tasks", filter=json.dumps({"externalId": "a"}))[1]["data"]["tasks"]
    assert len(tasks) == 1 and tasks[0]["priority"] == 4 and tasks[0]["stage"] == "Label"


def test_cloud_upload_is_all_or_nothing(api, host, project):
    before = len(asset_ids(host))
    assets = [{"data": "https://example.com/ok.jpg"}, {"data": ["not", "a", "string"]}]
    status, body = api.post(f"/v2/project/{project.id}/cloud", {"assets": assets})
    assert status == 400 and "assets[1].data" in body["message"]
    assert len(asset_ids(host)) == before


def test_delete_assets_removes_their_tasks(api, host, project):
    gone = asset_ids(host)[:3]
    status, body = api.delete(f"/v2/project/{project.id}/assets", {"project": project.id, "assets": gone})
    assert status == 200 and body["data"]["deleted"] == 3
    assert api.get(f"/v2/project/{project.id}/tasks")[1]["data"]["total"] == len(asset_ids(host)) == 22
    for asset_id in gone:
        with pytest.raises(NotFound):
            host.hub.tasks.for_asset(asset_id)
    page = api.get(f"/v2/project/{project.id}/assets", page=3, limit=10)[1][
        "data"
    ]  # deleted ones skipped, none repeated
    assert [a["_id"] for a in page["assets"]] == asset_ids(host)[20:22]
    status, body = api.delete(f"/v2/project/{project.id}/assets", {"project": project.id, "assets": gone})
    assert status == 400 and "assets[0]" in body["message"]


def test_another_organization_cannot_add_or_delete(stranger, host, project):
    assert stranger.post(f"/v2/project/{project.id}/cloud", {"assets": [{"data": "https://x.y/z"}]})[0] == 404
    assert stranger.delete(f"/v2/project/{project.id}/assets", {"assets": asset_ids(host)[:1]})[0] == 404
    assert stranger.post(f"/v2/batches/{project.id}", {"name": "mine"})[0] == 404


def test_projects_created_cloned_and_deleted(api, project):
    status, body = api.post("/v2/project", {"name": "Fresh", "description": "d"})
    assert status == 201
    fresh = body["data"]["project"]
    schema = api.get(f"/v2/project/{project.id}")[1]["data"]["project"]["categorySchema"]
    assert api.post(f"/v2/project/{fresh['_id']}", {"categorySchema": schema})[0] == 200
    status, body = api.post(f"/v2/project/{fresh['_id']}", {"categorySchema": {"tools": [{"tool": "laser"}]}})
    assert status == 400
    assert api.get(f"/v2/project/{fresh['_id']}")[1]["data"]["project"]["categorySchema"] == schema
    status, body = api.post(f"/v2/project/{fresh['_id']}/purge", {"confirmName": "Wrong"})
    assert status == 400 and "confirmName" in body["message"]
    assert api.post(f"/v2/project/{fresh['_id']}/purge", {"confirmName": "Fresh"})[0] == 200
    assert api.get(f"/v2/project/{fresh['_id']}")[0] == 404
    assert api.delete(f"/v2/project/{project.id}")[0] == 409
