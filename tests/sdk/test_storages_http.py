"""Storages over real HTTP: records the organization owns, files in their buckets, the file explorer."""

from __future__ import annotations

import requests

from tests.sdk.conftest import asset_ids

STORAGE = {
    "name": "bucket store",
    "provider": "GCP",
    "publicKey": "pub",
    "privateKey": "priv",
    "region": "europe-west1",
    "credentials": None,
}


def test_create_read_delete(api, stranger):
    status, body = api.post("/v2/storages/", STORAGE)
    assert status == 201, body
    made = body["data"]["storage"]
    assert {k: made[k] for k in STORAGE} == STORAGE
    assert [s["_id"] for s in api.get("/v2/storages")[1]["data"]["storages"]] == [made["_id"]]
    assert api.get("/v2/storages", _id=made["_id"])[1]["data"]["storages"][0]["region"] == "europe-west1"
    assert stranger.get("/v2/storages")[1]["data"]["storages"] == []
    assert stranger.get("/v2/storages", _id=made["_id"])[0] == 404
    assert stranger.delete(f"/v2/storages/{made['_id']}")[0] == 404
    assert api.delete(f"/v2/storages/{made['_id']}")[0] == 200
    assert api.get("/v2/storages")[1]["data"]["storages"] == []


def test_bad_storages_are_refused_and_not_kept(api):
    status, body = api.post("/v2/storages/", {**STORAGE, "provider": "DROPBOX"})
    assert status == 400 and "provider" in body["message"]
    status, body = api.post("/v2/storages/", {**STORAGE, "region": 5})
    assert status == 400 and "region" in body["message"]
    assert api.get("/v2/storages")[1]["data"]["storages"] == []


def test_listing_and_file_explorer_upload(api, host, project):
    made = api.post("/v2/storages/", STORAGE)[1]["data"]["storage"]
    for path in ("cats/1.png", "cats/2.png", "cats/notes.txt", "cats/old/3.png", "dogs/4.png"):
        host.hub.storages.put_file(made["_id"], "pets", path, path.encode())
    status, body = api.call("GET", f"/v2/storages/{made['_id']}/files", params={"bucketName": "pets", "path": "cats"})
    assert status == 200, body
    assert [f["name"] for f in body["data"]["files"]] == ["1.png", "2.png", "notes.txt"]
    assert body["data"]["folders"] == ["cats/old"]
    assert requests.get(body["data"]["files"][0]["url"], timeout=10).content == b"cats/1.png"
    before = len(asset_ids(host))
    status, body = api.post(
        "/v2/file-explorer",
        {
            "bucket": "pets",
            "storageId": made["_id"],
            "folder": "cats",
            "extensions": ["png"],
            "upload": True,
            "projectId": project.id,
        },
    )
    assert status == 200, body
    assert body["data"]["uploaded"] == 2 and [f["name"] for f in body["data"]["files"]] == ["1.png", "2.png"]
    assets = api.get(f"/v2/project/{project.id}/assets", limit=100)[1]["data"]
    assert assets["total"] == before + 2
    new = [a for a in assets["assets"] if a["externalId"] == "2.png"][0]
    assert requests.get(new["data"], timeout=10).content == b"cats/2.png"


def test_file_explorer_refuses_unknown_files_and_changes_nothing(api, host, project):
    made = api.post("/v2/storages/", STORAGE)[1]["data"]["storage"]
    host.hub.storages.put_file(made["_id"], "pets", "cats/1.png", b"1")
    before = len(asset_ids(host))
    status, body = api.post(
        "/v2/file-explorer",
        {
            "bucket": "pets",
            "storageId": made["_id"],
            "folder": "cats",
            "files": ["1.png", "9.png"],
            "upload": True,
            "projectId": project.id,
        },
    )
    assert status == 400 and "files[1]" in body["message"]
    assert len(asset_ids(host)) == before
