"""Shapes and rules that follow Ango's published docs (issue 19), over real HTTP."""

from __future__ import annotations

IMPORT_FORMAT = (
    "https://docs.imerit.net/data/importing-and-exporting-annotations/importing-annotations/ango-import-format"
)


def test_an_import_names_an_asset_by_the_file_name_that_ends_its_url(api, host, project, box_schema):
    """Ango's import format page: ``{"data": "H1412.mp4", ...}`` for an asset whose URL ends in /H1412.mp4."""
    video = "https://videos.example.com/2024/H1412.mp4"
    status, body = api.post(f"/v2/project/{project.id}/cloud", {"assets": [{"data": video, "externalId": "clip-1"}]})
    assert status < 300, body
    label = {
        "data": "H1412.mp4",
        "objects": [{"schemaId": box_schema, "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}],
    }
    status, body = api.post("/v2/import/labels", {"project": project.id, "jsonContent": [label]})
    assert status == 200, body
    [asset] = [a for a in host.assets() if a["data"] == video]
    assert asset["labels"]["objects"][0]["bounding-box"] == {"x": 1, "y": 2, "width": 3, "height": 4}


def test_a_file_name_no_asset_ends_with_is_still_unknown(api, project, box_schema):
    status, body = api.post(
        "/v2/import/labels", {"project": project.id, "jsonContent": [{"data": "nowhere.mp4", "objects": []}]}
    )
    assert status == 400 and body["errors"][0]["code"] == "unknown_asset", body


def test_annotate_takes_the_answer_a_1_3_22_model_merge_posts(api, host, project, box_schema):
    """Issue 19.2: 1.3.22's Model merge adds ``externalId`` to the answer it posts to /v2/annotate; the same
    reader as a socket answer takes it. An unknown key is ignored with a warning (refused in strict mode)."""
    task = api.get(f"/v2/project/{project.id}/tasks", limit=1)[1]["data"]["tasks"][0]
    box = {"schemaId": box_schema, "bounding-box": {"x": 1, "y": 2, "width": 3, "height": 4}}
    answer = {"externalId": task["externalId"], "objects": [box], "classifications": [], "relations": []}
    status, body = api.post(f"/v2/annotate/{task['_id']}", {"answer": answer, "duration": 0}, nextStage="true")
    assert status == 200, body
    assert body["data"]["label"]["answer"]["tools"][0]["bounding-box"] == box["bounding-box"]
    assert "warnings" not in body["data"]
    status, body = api.post(f"/v2/annotate/{task['_id']}", {"answer": {**answer, "colour": "red"}})
    assert status == 200 and [w["code"] for w in body["data"]["warnings"]] == ["answer_unknown_key"], body
    host.hub.strict = True
    status, body = api.post(f"/v2/annotate/{task['_id']}", {"answer": {**answer, "colour": "red"}})
    assert status == 400 and body["errors"][0] == {
        "path": "answer.colour",
        "code": "answer_unknown_key",
        "message": "unknown key 'colour': an answer holds objects, classifications and relations",
    }, body


def test_every_error_body_carries_error_status_code(api, host, project):
    """Issue 19.5: 1.4.10's ``upload_chat_assets`` tells a failure by ``body["error"]["statusCode"]``; an error
    without it was logged as "Created 0 chat assets successfully". Every error answer carries it now."""
    answers = [
        api.post("/v2/llms/", {"name": "x"}),  # an Ango call mockango does not simulate (501)
        api.get("/v2/project/" + "0" * 24),  # not found (404)
        api.get("/v2/no/such/endpoint"),  # unknown path (404)
        api.post("/v2/import/labels", {"project": project.id, "jsonContent": "nope"}),  # refused (400)
    ]
    for status, body in answers:
        assert status >= 400 and body["status"] == "error", body
        assert body["error"] == {"statusCode": status, "message": body["message"]}, body


def test_list_projects_answers_the_documented_fields_and_cap():
    """Issue 19.6, docs.imerit.net/api/docs/projects: listProjects "returns only essential fields: _id, name,
    description, organization, createdAt", and ``limit`` is at most 100."""
    from mockango import MockAngo
    from tests.sdk.conftest import Api

    with MockAngo(seed=0) as host:
        api = Api(host.url, host.api_key)
        status, body = api.get("/v2/listProjects", limit=100)
        assert status == 200 and body["data"]["total"] == 1
        assert set(body["data"]["projects"][0]) == {"_id", "name", "description", "organization", "createdAt"}
        status, body = api.get("/v2/listProjects", limit=101)
        assert status == 400 and body["errors"][0]["code"] == "limit_documented", body
        assert "https://docs.imerit.net/api/docs/projects" in body["message"]


def test_members_and_invites_have_the_documented_shapes(api, host):
    """Issue 19.6 and the served 501s, docs.imerit.net/api/docs/organization: organizationRole is Admin/Member/Guest
    (the SDK sends lowercase), members have createdAt, pages hold at most 100; roles, removals and invites change
    what the listings show, and another organization's are 404."""
    org = host.hub.default_user.organization_id
    host.hub.organization.add_member(org, "ann@example.com", role="member")
    status, body = api.get(f"/v2/organization/{org}/users")
    assert status == 200, body
    assert [(u["organizationRole"], bool(u["createdAt"])) for u in body["data"]["users"]] == [
        ("Admin", True),
        ("Member", True),
    ]
    assert api.get(f"/v2/organization/{org}/users", limit=101)[1]["errors"][0]["code"] == "limit_documented"
    changed = api.post(
        f"/v2/organization/{org}/users", {"users": [{"email": "ann@example.com", "organizationRole": "admin"}]}
    )
    assert changed[1]["data"] == {
        "users": {"updated": 1, "failed": 0, "results": [{"email": "ann@example.com", "status": "updated"}]}
    }
    status, body = api.post(f"/v2/organization/{org}/invites", {"to": ["bo@example.com"], "organizationRole": "member"})
    assert status == 201 and body["data"]["invites"][0]["organizationRole"] == "Member"
    listed = api.get(f"/v2/organization/{org}/invites", status="pending")[1]["data"]["invites"]
    assert set(listed[0]) == {"_id", "to", "organizationRole", "status", "createdBy", "createdAt", "expiresAt"}
    assert api.delete(f"/v2/organization/{org}/users", {"users": ["ann@example.com"]})[1]["data"] == {
        "deleted": 1,
        "failed": 0,
    }
    assert [u["email"] for u in api.get(f"/v2/organization/{org}/users")[1]["data"]["users"]] == [
        host.hub.default_user.email
    ]
    other = host.create_organization("Elsewhere")
    assert api.get(f"/v2/organization/{other.organization_id}/invites")[0] == 404
