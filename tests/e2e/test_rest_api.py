"""The REST API at the real host's paths, over real HTTP: auth, isolation, paging, filters, errors."""

from __future__ import annotations

import io
import json

import pytest
import requests
from PIL import Image

from plugin_client import SDK, SDKError


@pytest.fixture
def http(host):
    session = requests.Session()
    session.headers["apikey"] = host.api_key
    return session


def test_every_v2_call_needs_a_known_api_key(host):
    for path in [f"/v2/project/{host.project_id}/assets", f"/v2/project/{host.project_id}", "/v2/listProjects"]:
        missing = requests.get(host.url + path)
        assert missing.status_code == 401
        message = "missing API key: send it in the 'apikey' header"
        assert missing.json() == {
            "status": "error",
            "message": message,
            "error": {"statusCode": 401, "message": message},
        }
        wrong = requests.get(host.url + path, headers={"apikey": "0" * 48})
        assert wrong.status_code == 401 and "invalid API key" in wrong.json()["message"]
    posted = requests.post(host.url + "/v2/import/labels", json={"project": host.project_id, "jsonContent": []})
    assert posted.status_code == 401


def test_another_organizations_project_is_not_found(host):
    other = host.create_organization("Rival Inc")
    sdk = SDK(other.api_key, host.url)
    with pytest.raises(SDKError) as caught:
        sdk.get_assets(host.project_id)
    assert caught.value.status == 404
    assert caught.value.message == f"project '{host.project_id}' not found"
    with pytest.raises(SDKError) as caught:
        sdk.import_labels(host.project_id, [])
    assert caught.value.status == 404
    assert sdk.list_projects()["data"] == {"projects": [], "total": 0}
    own = host.hub.create_project(
        "Rival's", {"tools": []}, [{"externalId": "a", "data": "http://x/a.png"}], organization_id=other.organization_id
    )
    assert [p["_id"] for p in sdk.list_projects()["data"]["projects"]] == [own.id]
    assert own.id not in [p["_id"] for p in SDK(host.api_key, host.url).list_projects()["data"]["projects"]]


def test_get_assets_pages_default_to_ten(host):
    sdk = SDK(host.api_key, host.url)
    first = sdk.get_assets(host.project_id)
    assert first["status"] == "success"
    assert first["data"]["total"] == 25
    assert len(first["data"]["assets"]) == 10
    third = sdk.get_assets(host.project_id, page=3, limit=10)["data"]["assets"]
    assert len(third) == 5
    everything = sdk.get_assets(host.project_id, limit=1000)["data"]["assets"]
    assert [a["_id"] for a in everything[:10]] == [a["_id"] for a in first["data"]["assets"]]
    asset = everything[0]
    assert set(asset) >= {"_id", "externalId", "data", "project", "batches", "metadata", "isPreLabeled", "createdAt"}
    assert asset["project"] == host.project_id and asset["isPreLabeled"] is False


@pytest.mark.parametrize(
    "params, message",
    [
        ({"limit": 1001}, "'limit' must be between 1 and 1000, got 1001"),
        ({"limit": 0}, "'limit' must be between 1 and 1000, got 0"),
        ({"page": 0}, "'page' must be 1 or more, got 0"),
        ({"page": "two"}, "query parameter 'page' must be a whole number, got 'two'"),
        ({"filters": "{bad"}, "'filters' is not valid JSON"),
        ({"filters": json.dumps({"colour": "red"})}, "unknown filter key(s) ['colour']"),
        ({"filters": json.dumps({"isPreLabeled": "yes"})}, "filter 'isPreLabeled' must be true or false"),
    ],
)
def test_bad_query_parameters_are_400_with_a_message(host, http, params, message):
    answer = http.get(f"{host.url}/v2/project/{host.project_id}/assets", params=params)
    assert answer.status_code == 400
    assert message in answer.json()["message"]


def test_filters_and_the_old_query_parameters(host, http):
    url = f"{host.url}/v2/project/{host.project_id}/assets"
    assets = http.get(url, params={"limit": 100}).json()["data"]["assets"]
    target = assets[3]
    by_filter = http.get(url, params={"filters": json.dumps({"_id": target["_id"]})}).json()["data"]
    assert by_filter["total"] == 1 and by_filter["assets"][0]["_id"] == target["_id"]
    by_old_id = http.get(url, params={"assetId": target["_id"]}).json()["data"]
    assert [a["_id"] for a in by_old_id["assets"]] == [target["_id"]]
    by_old_external = http.get(url, params={"externalId": target["externalId"]}).json()["data"]
    assert [a["_id"] for a in by_old_external["assets"]] == [target["_id"]]
    second_batch = host.hub.default_project.batches[1].id
    in_batch = http.get(url, params={"filters": json.dumps({"batches": [second_batch]}), "limit": 100}).json()
    assert in_batch["data"]["total"] == 10
    assert all(second_batch in a["batches"] for a in in_batch["data"]["assets"])
    unlabelled = http.get(url, params={"filters": json.dumps({"isPreLabeled": False})}).json()["data"]["total"]
    assert unlabelled == 25


def test_get_project_and_list_projects(host, http):
    project = http.get(f"{host.url}/v2/project/{host.project_id}").json()["data"]["project"]
    assert project["_id"] == host.project_id and project["name"] == "Demo detection"
    tools = {t["title"]: t["tool"] for t in project["categorySchema"]["tools"]}
    assert tools["Vehicle"] == tools["Person"] == "bounding-box"
    assert "polygon" in tools.values() and "point" in tools.values()
    assert project["categorySchema"]["classifications"][0]["tool"] == "radio"
    assert [b["name"] for b in project["batches"]] == ["Batch 1", "Batch 2"]
    listed = http.get(f"{host.url}/v2/listProjects", params={"page": 1, "limit": 10}).json()["data"]
    assert listed["total"] == 1 and listed["projects"][0]["_id"] == host.project_id
    missing = http.get(f"{host.url}/v2/project/ffffffffffffffffffffffff")
    assert missing.status_code == 404 and missing.json()["message"] == "project 'ffffffffffffffffffffffff' not found"


def test_asset_urls_serve_real_images_of_the_stated_size(host, http):
    for asset in http.get(f"{host.url}/v2/project/{host.project_id}/assets").json()["data"]["assets"][:4]:
        answer = requests.get(asset["data"])
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(answer.content))
        image.load()
        assert image.size == (asset["metadata"]["width"], asset["metadata"]["height"])


@pytest.mark.parametrize(
    "body, message",
    [
        ("not json", "the body is not valid JSON"),
        ("[1, 2]", "the body must be a JSON object, got list"),
        ('{"project": "x"}', "the body needs 'jsonContent'"),
    ],
)
def test_bad_import_bodies(host, http, body, message):
    answer = http.post(f"{host.url}/v2/import/labels", data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert message in answer.json()["message"]


def test_unknown_paths_and_methods_answer_json(host, http):
    missing = http.get(f"{host.url}/v2/nothing")
    assert missing.status_code == 404 and missing.json()["message"] == "no such endpoint: GET /v2/nothing"
    wrong_method = http.delete(f"{host.url}/v2/listProjects")
    assert wrong_method.status_code == 405 and "DELETE is not allowed" in wrong_method.json()["message"]


def test_cookie_signed_changes_from_another_origin_are_refused(host):
    cookies = {"mockango_apikey": host.api_key}
    body = {"name": "Sneaky", "classNames": []}
    foreign = requests.post(
        host.url + "/api/plugins", json=body, cookies=cookies, headers={"Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403 and "came from another site" in foreign.json()["message"]
    assert host.hub.plugin_count() == 0
    same = requests.post(host.url + "/api/plugins", json=body, cookies=cookies, headers={"Origin": host.url})
    assert same.status_code == 201
