"""Every described operation, called with another organization's key on this organization's things: 403 or 404.

Generated from /openapi.json, so a route is covered the day it is described (and the OpenAPI tests
make sure every route is). Each call names organization A's real ids wherever the operation takes an
id (path, query, body); organization B's key must get 403 or 404 (or the 501 of a call mockango does
not simulate), its answer must hold none of A's ids, and A's things must all still be there afterwards.
An operation that takes no id (a listing, a create) must answer B without any of A's ids.
"""

from __future__ import annotations

import re

import pytest
import requests

from mockango import MockAngo
from mockango.web.openapi import description
from tests.support import answer_or_fail, plugin_running

REFUSED = {403, 404}
PATH_IDS = {
    "project_id": "project",
    "plugin_id": "plugin",
    "session_id": "session",
    "task_id": "task",
    "storage_id": "storage",
    "issue_id": "issue",
    "organization_id": "organization",
    "entry_id": "history",
    "fault_id": "fault",
    "llm_id": "llm",
    "metric": "metric",
}
"""How to fill each path parameter with organization A's id: a new parameter name fails the test until added."""
QUERY_IDS = {"project": "project", "_id": "storage", "labelTask": "task", "asset": "asset"}
CREATES = {
    "POST /v2/project",
    "POST /api/plugins",
    "POST /api/projects",
    "POST /v2/storages",
    "POST /v2/storages/",
    "POST /api/faults",
}
"""Operations whose body makes a new thing of the caller's own (the ids in it are not read): they must
answer without a 5xx, leak nothing and change nothing of A's. Any other operation with a body reads ids
from it, so B's call on A's ids must be refused; a new create route fails here until it is listed."""


def _bodies(ids: dict[str, str]) -> dict[str, dict]:
    """For each operation that takes a body, one that would act on A's things if A sent it."""
    return {
        "POST /v2/import/labels": {"project": ids["project"], "jsonContent": [{"externalId": "x", "objects": []}]},
        "POST /v2/pluginLog": {"session": ids["session"], "level": "INFO", "msg": "a log line"},
        "POST /v2/pluginResponse": {"session": ids["session"], "response": "answered"},
        "POST /api/runs": {"plugin": ids["plugin"], "project": ids["project"]},
        "POST /api/sessions/{session_id}/cancel": {},
        "POST /v2/annotate/{task_id}": {"answer": {"objects": [], "classifications": [], "relations": []}},
        "POST /v2/review/{task_id}": {"reviewStatus": "Accepted"},
        "POST /v2/project/{project_id}/requeueTasks": {"toStageId": "Label"},
        "POST /v2/project/{project_id}/updatePriority": {"priority": 1},
        "POST /v2/project/{project_id}/benchmark-tasks": {"tasks": [ids["task"]], "isBenchmark": True},
        "POST /v2/task/assign": {"project": ids["project"], "tasks": [ids["task"]], "user": "a@example.com"},
        "POST /v2/project/{project_id}": {"benchmarkEnabled": True},
        "POST /v2/project/{project_id}/purge": {"confirmName": "Demo detection"},
        "POST /v2/project/{project_id}/clone": {},
        "POST /v2/batches/{project_id}": {"batches": ["B's batch"]},
        "POST /v2/assignBatches": {"assets": [ids["asset"]], "batches": [ids["batch"]]},
        "POST /v2/project/{project_id}/cloud": {"assets": [{"data": "https://example.com/a.png", "externalId": "x"}]},
        "DELETE /v2/project/{project_id}/assets": {"assets": [ids["asset"]]},
        "POST /v2/file-explorer": {"storageId": ids["storage"], "bucket": "bucket", "folder": ""},
        "POST /api/reset": {},  # resets every organization's data: refused (403) to any key but the admin key
        "POST /v2/issues": {"labelTask": ids["task"], "content": "an issue"},
        "POST /v2/issues/{issue_id}": {"status": "Resolved"},
        "POST /v2/issues/{issue_id}/comment": {"content": "a comment"},
        "POST /api/tasks/{task_id}": {"priority": 3},
        "PUT /api/storages/{storage_id}/files": {},
        "POST /v2/organization/{organization_id}/users": {
            "users": [{"email": "a@example.com", "organizationRole": "Member"}]
        },
        "DELETE /v2/organization/{organization_id}/users": {"users": ["a@example.com"]},
        "POST /v2/organization/{organization_id}/invites": {"to": ["x@example.com"], "organizationRole": "Member"},
        "DELETE /v2/organization/{organization_id}/invites": {"invites": ["x@example.com"]},
        "POST /v2/attachments": {
            "project": ids["project"],
            "attachments": [
                {"assetId": ids["asset"], "attachmentUrl": "https://x.example/a.pdf", "attachmentType": "pdf"}
            ],
        },
        "POST /v2/project/{project_id}/labelValidation": {"customValidationEnabled": True},
        "POST /v2/project/{project_id}/chat": {},
        "POST /v2/project/{project_id}/assetBuilderTemplates": {"name": "B's template", "template": "<p/>"},
        "POST /v2/performance/{project_id}": {},
        # creates (their ids are the caller's own)
        "POST /v2/project": {"name": "B's project"},
        "POST /api/plugins": {"name": "B's plugin"},
        "POST /api/projects": {"name": "B's project", "categorySchema": {"tools": [], "classifications": []}},
        "POST /v2/storages": {"name": "B's storage", "provider": "AWS"},
        "POST /v2/storages/": {"name": "B's storage", "provider": "AWS"},
        "POST /api/faults": {"kind": "latency", "seconds": 0},
    }


EXTRA_QUERY = {"GET /v2/storages/{storage_id}/files": {"bucketName": "bucket"}}


@pytest.fixture(scope="module")
def two_organizations():
    with MockAngo(seed=3, run_timeout=2.0) as host:
        hub, user = host.hub, host.hub.default_user
        plugin = host.create_plugin("A's plugin", class_names=["Vehicle"])
        with plugin_running(host, plugin.id, plugin.secret, answer_or_fail):
            session = host.run(plugin.id, config='"ok"', timeout=10)
        task = hub.tasks.page(user, host.project_id, page=1, limit=1)[0][0]
        issue = hub.issues.create(user, {"labelTask": task["_id"], "content": "A's issue"})
        ids = {
            "project": host.project_id,
            "plugin": plugin.id,
            "session": session.id,
            "task": task["_id"],
            "asset": host.assets()[0]["_id"],
            "batch": hub.default_project.batches[0].id,
            "storage": host.create_storage("A's storage"),
            "issue": issue["_id"],
            "organization": user.organization_id,
            "history": (hub.tasks.history_of(user, task["_id"]) or [{"_id": "0" * 24}])[0]["_id"],
            "fault": host.faults.fail("GET", "/v2/nothing-here", times=None).id,
            "llm": "0" * 24,
            "metric": "count",
        }
        other = host.create_organization("Rival Inc")
        yield host, ids, other


def operations() -> list[tuple[str, str, dict]]:
    doc = description()
    return [(method.upper(), path, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def _snapshot(host: MockAngo, ids: dict[str, str]) -> dict:
    hub, user = host.hub, host.hub.default_user
    return {
        "project": hub.project_for(user, ids["project"]).id,
        "assets": len(host.assets()),
        "plugin": hub.plugin_for(user.organization_id, ids["plugin"]).id,
        "session": hub.get_session(ids["session"], organization_id=user.organization_id).status,
        "task": hub.tasks.get(user, ids["task"])["_id"],
        "storage": [s["_id"] for s in hub.storages.list(user, None)],
        "issues": [i["_id"] for i in host.issues()],
    }


@pytest.mark.parametrize(("method", "path", "op"), operations(), ids=[f"{m} {p}" for m, p, _ in operations()])
def test_another_organizations_key_is_refused_on_our_things(two_organizations, method, path, op):
    host, ids, other = two_organizations
    names = re.findall(r"{([^}]+)}", path)
    unknown = [name for name in names if name not in PATH_IDS]
    assert not unknown, f"add how to fill {unknown} with organization A's id to PATH_IDS"
    url = host.url + re.sub(r"{([^}]+)}", lambda m: ids[PATH_IDS[m.group(1)]], path)
    query = {
        p["name"]: ids[QUERY_IDS[p["name"]]]
        for p in op.get("parameters", [])
        if p["in"] == "query" and p["name"] in QUERY_IDS
    }
    operation = f"{method} {path}"
    query.update(EXTRA_QUERY.get(operation, {}))
    bodies = _bodies(ids)
    body = bodies.get(operation)
    if body is None and ("requestBody" in op or method in ("POST", "PUT", "DELETE")) and "501" not in op["responses"]:
        assert method == "DELETE", f"give {operation} a body that acts on organization A's things in _bodies()"
    takes_ours = bool(names or query) or (body is not None and operation not in CREATES)
    before = _snapshot(host, ids)
    answer = requests.request(method, url, params=query, json=body, headers={"apikey": other.api_key}, timeout=10)
    promised_501 = {501} if "501" in op["responses"] else set()
    if takes_ours:
        assert answer.status_code in REFUSED | promised_501, (
            f"{operation} on organization A's ids with B's key answered {answer.status_code}: {answer.text[:300]}"
        )
    else:
        assert answer.status_code < 500 or answer.status_code in promised_501, (
            f"{operation} answered {answer.status_code}: {answer.text[:300]}"
        )
    sent = answer.request.url + str(answer.request.body or "")
    leaked = [kind for kind, value in ids.items() if len(value) >= 12 and value in answer.text and value not in sent]
    assert not leaked, f"{operation} showed organization A's {leaked} to organization B: {answer.text[:300]}"
    assert _snapshot(host, ids) == before, f"{operation} with B's key changed organization A's things"
