"""Calls every public method of the official ``imerit_ango.sdk.SDK`` against a mockango host.

Run by tests/official/test_sdk_coverage.py with the official client's own python:
``python sdk_coverage_driver.py <setup.json> <out.json>``. For each method it records
the HTTP calls made (method, path, status) and the outcome; the checks here assert that
what a served call says it did can be read back. The client is used unmodified: the
only hook wraps ``requests.Session.send`` to observe each response's status.
"""

import inspect
import json
import sys
import tempfile
import traceback
import urllib.request
from urllib.parse import urlsplit

import requests
from imerit_ango.models.annotate import AnnotationPayload, Answer
from imerit_ango.models.asset_builder_template import AssetBuilderTemplate, DataConfigItem
from imerit_ango.models.chat_asset_creation_config import ChatAssetCreationConfig
from imerit_ango.models.enums import (
    ExportFormats,
    LlmProvider,
    Metrics,
    OrganizationRoles,
    ProjectRoles,
    ReviewStatus,
    StorageFileTypes,
    StorageProvider,
)
from imerit_ango.models.export_options import ExportOptions
from imerit_ango.models.invite import Invitation, RoleUpdate
from imerit_ango.models.label_category import (
    Classification,
    ClassificationCategory,
    LabelOption,
    Relation,
    RelationCategory,
    Tool,
    ToolCategory,
)
from imerit_ango.models.llm import LLM
from imerit_ango.models.storage import Storage
from imerit_ango.models.task_filter import TaskFilter
from imerit_ango.sdk import SDK

setup = json.load(open(sys.argv[1]))
calls = []
_send = requests.Session.send


def observing_send(self, request, **kwargs):
    response = _send(self, request, **kwargs)
    parts = urlsplit(request.url)
    calls.append({"method": request.method, "path": parts.path, "status": response.status_code})
    return response


requests.Session.send = observing_send
_urlopen = urllib.request.urlopen


def observing_urlopen(url, *args, **kwargs):  # export downloads go through urllib
    response = _urlopen(url, *args, **kwargs)
    target = url if isinstance(url, str) else url.full_url
    calls.append({"method": "GET", "path": urlsplit(target).path, "status": response.status})
    return response


urllib.request.urlopen = observing_urlopen

sdk = SDK(api_key=setup["apiKey"], host=setup["host"])
pid = setup["projectId"]
state = {}
results = {}


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def call(name, fn):
    start = len(calls)
    outcome = {"error": None}
    try:
        value = fn()
        outcome["result"] = repr(value)[:300]
    except BaseException as exc:  # record and go on: the test reads every outcome
        outcome["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        outcome["traceback"] = traceback.format_exc()[-2000:]
    outcome["calls"] = calls[start:]
    results[name] = outcome


def data(response):
    check(response.get("status") == "success", f"not a success envelope: {response}")
    return response["data"]


BOX = {
    "schemaId": setup["boxSchemaId"],
    "objectId": "cov-box-1",
    "bounding-box": {"x": 10, "y": 10, "width": 40, "height": 30},
}

# ------------------------------------------------------------------------------ projects
call("list_projects", lambda: check(data(sdk.list_projects())["total"] >= 1, "no projects listed"))
call("get_project", lambda: check(data(sdk.get_project(pid))["project"]["_id"] == pid, "wrong project"))
call("get_assets", lambda: check(len(data(sdk.get_assets(pid, limit=3))["assets"]) == 3, "no page of 3 assets"))
call("get_batches", lambda: check(len(sdk.get_batches(pid)) >= 2, "the demo batches are missing"))
call("get_asset_builder_templates", lambda: check(sdk.get_asset_builder_templates(pid) == [], "templates?"))


def create_project():
    project = data(sdk.create_project("Coverage project", "made by the coverage test"))["project"]
    state["new"] = project["_id"]
    check(data(sdk.get_project(project["_id"]))["project"]["name"] == "Coverage project", "not readable")


call("create_project", create_project)


def create_label_set():
    schema = data(sdk.get_project(pid))["project"]["categorySchema"]
    sdk.create_label_set(state["new"], raw_category_schema=schema)
    shown = data(sdk.get_project(state["new"]))["project"]["categorySchema"]
    check([t["schemaId"] for t in shown["tools"]] == [t["schemaId"] for t in schema["tools"]], "ontology not set")


call("create_label_set", create_label_set)


def create_label_set_with_the_sdks_objects():
    """Issue 19.1: the SDK's ClassificationCategory sends parentOptionId null (and regex, exportName... null)."""
    made = data(sdk.create_project("SDK objects", ""))["project"]["_id"]
    sdk.create_label_set(
        made,
        tools=[ToolCategory(Tool.BoundingBox, title="Car")],
        classifications=[
            ClassificationCategory(Classification.Text, title="N"),
            ClassificationCategory(Classification.Radio, title="Weather", options=[LabelOption("Sunny")]),
        ],
        relations=[RelationCategory(Relation.Single, title="near")],
    )
    shown = data(sdk.get_project(made))["project"]["categorySchema"]
    check([c["title"] for c in shown["classifications"]] == ["N", "Weather"], f"ontology not set: {shown}")
    sdk.delete_project(made)


create_label_set_with_the_sdks_objects()


def update_workflow_stages():
    stages = data(sdk.get_project(state["new"]))["project"]["stages"]
    for stage in stages:
        if stage["id"] == "Review":
            stage["name"] = "Second look"
    sdk.update_workflow_stages(state["new"], stages)
    names = [s["name"] for s in data(sdk.get_project(state["new"]))["project"]["stages"]]
    check("Second look" in names, f"stages not updated: {names}")


call("update_workflow_stages", update_workflow_stages)


def update_benchmark_settings():
    sdk.update_benchmark_settings(pid, True, benchmark_ratio=10)
    project = data(sdk.get_project(pid))["project"]
    check(project.get("benchmarkEnabled") is True and project.get("benchmarkRatio") == 10, "settings not kept")


call("update_benchmark_settings", update_benchmark_settings)

# ------------------------------------------------------------------------------ batches


def create_batch():
    sdk.create_batch(pid, "cov-1")
    check("cov-1" in [b["name"] for b in sdk.get_batches(pid)], "batch not created")


call("create_batch", create_batch)


def create_batches():
    sdk.create_batches(pid, ["cov-2", "cov-3", "cov-1"])
    names = [b["name"] for b in sdk.get_batches(pid)]
    check(names.count("cov-1") == 1 and "cov-2" in names and "cov-3" in names, f"batches: {names}")


call("create_batches", create_batches)


def assign_batches():
    asset = data(sdk.get_assets(pid, limit=1))["assets"][0]
    state["asset"] = asset
    sdk.assign_batches(pid, [asset["_id"]], ["cov-2"])
    batch_id = next(b["_id"] for b in sdk.get_batches(pid) if b["name"] == "cov-2")
    found = data(sdk.get_assets(pid, filters={"batches": [batch_id]}))["assets"]
    check([a["_id"] for a in found] == [asset["_id"]], "asset filter by the new batch finds the wrong assets")


call("assign_batches", assign_batches)

# ------------------------------------------------------------------------------ tasks


def get_tasks():
    tasks = data(sdk.get_tasks(pid, page=1, limit=5))
    check(tasks["total"] == setup["assetCount"] and len(tasks["tasks"]) == 5, f"tasks: total {tasks['total']}")
    state["tasks"] = [t["_id"] for t in tasks["tasks"]]
    at_label = data(sdk.get_tasks(pid, limit=100, task_filter=TaskFilter(stage="Label")))
    check(at_label["total"] == setup["assetCount"], "all tasks should wait at Label")


call("get_tasks", get_tasks)
call(
    "get_task",
    lambda: check(
        data(sdk.get_task(state["tasks"][0], include_answer=True))["task"]["stage"] == "Label", "task not at Label"
    ),
)


def annotate_task():
    task_id = state["tasks"][0]
    sdk.annotate_task(
        task_id, AnnotationPayload(answer=Answer(objects=[dict(BOX)])), overwrite=True, send_to_next_stage=True
    )
    task = data(sdk.get_task(task_id, include_answer=True))["task"]
    check(task["stage"] == "Review", f"task at {task['stage']}, not Review")
    check([t["objectId"] for t in task["answer"]["tools"]] == ["cov-box-1"], f"answer: {task['answer']}")


call("annotate_task", annotate_task)


def review_task():
    sdk.review_task(state["tasks"][0], ReviewStatus.ACCEPTED)
    task = data(sdk.get_task(state["tasks"][0]))["task"]
    check(task["stage"] == "Complete" and task["reviewStatus"] == "Accepted", f"task: {task['stage']}")


call("review_task", review_task)


def get_task_history():
    history = data(sdk.get_task_history(task_id=state["tasks"][0]))["taskHistory"]
    check([h["action"] for h in history] == ["submit", "review"], f"history: {history}")
    one = data(sdk.get_task_history(task_history_id=history[0]["_id"]))["taskHistory"]
    check(one["_id"] == history[0]["_id"], "history entry not found by id")


call("get_task_history", get_task_history)


def get_organization_members():
    org = data(sdk.get_project(pid))["project"]["organization"]
    state["org"] = org
    users = data(sdk.get_organization_members(org))["users"]
    state["email"] = users[0]["email"]
    check(users and all("email" in u for u in users), "no members")


call("get_organization_members", get_organization_members)


def assign_task():
    sdk.assign_task(pid, [state["tasks"][1]], "Label", state["email"])
    check(data(sdk.get_task(state["tasks"][1]))["task"]["assignee"] == state["email"], "not assigned")


call("assign_task", assign_task)


def update_tasks_priority():
    sdk.update_tasks_priority(pid, 7, {"taskIds": [state["tasks"][1]]})
    check(data(sdk.get_task(state["tasks"][1]))["task"]["priority"] == 7, "priority not set")


call("update_tasks_priority", update_tasks_priority)


def requeue_tasks():
    sdk.requeue_tasks(pid, "Label", {"taskIds": [state["tasks"][0]]}, {"removeAnnotations": True})
    task = data(sdk.get_task(state["tasks"][0]))["task"]
    check(task["stage"] == "Label" and task["answer"]["tools"] == [], f"requeued task: {task}")


call("requeue_tasks", requeue_tasks)


def set_tasks_as_benchmark():
    sdk.set_tasks_as_benchmark(pid, [state["tasks"][2]])
    check(data(sdk.get_task(state["tasks"][2]))["task"]["isBenchmark"] is True, "not a benchmark")


call("set_tasks_as_benchmark", set_tasks_as_benchmark)


def import_labels():
    asset = state["asset"]
    sdk.import_labels(pid, [{"externalId": asset["externalId"], "objects": [dict(BOX, objectId="pre-1")]}])
    task = data(
        sdk.get_tasks(pid, limit=1, task_filter=TaskFilter(external_id=asset["externalId"]), include_answer=True)
    )["tasks"][0]
    check([t["objectId"] for t in task["answer"]["tools"]] == ["pre-1"], "pre-label not in the task's answer")


call("import_labels", import_labels)

# ------------------------------------------------------------------------------ issues


def issues():
    issue = data(sdk.create_issue(state["tasks"][1], "box too small", position=[3, 4]))["issue"]
    state["issue"] = issue["_id"]
    found = data(sdk.get_issues(pid, task_id=state["tasks"][1]))["issues"]
    check([i["_id"] for i in found] == [issue["_id"]], "issue not found")


call("create_issue", issues)
call("get_issues", lambda: check(len(data(sdk.get_issues(pid))["issues"]) == 1, "issue list"))
call(
    "update_issue",
    lambda: check(
        data(sdk.update_issue(state["issue"], status="Resolved"))["issue"]["status"] == "Resolved", "status not changed"
    ),
)


def add_comment_to_issue():
    sdk.add_comment_to_issue(state["issue"], "fixed it")
    found = data(sdk.get_issues(pid))["issues"][0]
    check([c["content"] for c in found["comments"]] == ["fixed it"], "comment missing")


call("add_comment_to_issue", add_comment_to_issue)


def delete_issue():
    sdk.delete_issue(pid, state["issue"])
    check(data(sdk.get_issues(pid))["issues"] == [], "issue still there")


call("delete_issue", delete_issue)

# ------------------------------------------------------------------------------ storages & files


def storages():
    made = data(sdk.create_storage(Storage("cov", StorageProvider.AWS, "pub", "priv", "eu-west-1")))["storage"]
    state["storage"] = made["_id"]
    check(sdk.get_storages(made["_id"])["region"] == "eu-west-1", "storage not readable by id")


call("create_storage", storages)
call("get_storages", lambda: check(len(data(sdk.get_storages())["storages"]) == 2, "two storages expected"))


def delete_storage():
    sdk.delete_storage(state["storage"])
    check([s["_id"] for s in data(sdk.get_storages())["storages"]] == [setup["storageId"]], "not deleted")


call("delete_storage", delete_storage)


def list_storage_files():
    listing = data(sdk.list_storage_files(setup["storageId"], setup["bucket"], path="images"))
    check(sorted(f["name"] for f in listing["files"]) == ["a.png", "b.png"], f"files: {listing}")
    check(requests.get(listing["files"][0]["url"]).status_code == 200, "a listed file's URL does not download")


call("list_storage_files", list_storage_files)


def file_explorer():
    answer = data(
        sdk.file_explorer(
            setup["bucket"], setup["storageId"], {"folder": "images", "upload": True, "projectId": state["new"]}
        )
    )
    check(answer["uploaded"] == 2, f"file explorer upload: {answer}")
    check(data(sdk.get_assets(state["new"]))["total"] == 2, "uploaded assets not in the project")


call("file_explorer", file_explorer)


def upload_files_cloud():
    answer = sdk.upload_files_cloud(
        pid, [{"data": "https://example.com/cloud-1.png", "externalId": "cloud-1"}], batches=["cov-3"]
    )
    check(answer.get("status") == "success", f"cloud upload: {answer}")
    batch_id = next(b["_id"] for b in sdk.get_batches(pid) if b["name"] == "cov-3")
    found = data(sdk.get_assets(pid, filters={"externalId": "cloud-1"}))["assets"]
    check(len(found) == 1 and found[0]["batches"] == [batch_id], f"cloud asset: {found}")
    tasks = data(sdk.get_tasks(pid, task_filter=TaskFilter(external_id="cloud-1")))["tasks"]
    check(len(tasks) == 1 and tasks[0]["stage"] == "Label", "the new asset has no task")


call("upload_files_cloud", upload_files_cloud)


def upload_files():
    path = tempfile.mktemp(suffix=".png")
    with open(path, "wb") as file:
        file.write(requests.get(data(sdk.get_assets(pid, limit=1))["assets"][0]["data"]).content)
    answer = sdk.upload_files(pid, [{"data": path, "externalId": "local-1"}])
    check(answer.get("status") == "success", f"upload: {answer}")
    asset = data(sdk.get_assets(pid, filters={"externalId": "local-1"}))["assets"][0]
    check(requests.get(asset["data"]).content == open(path, "rb").read(), "the uploaded bytes do not come back")


call("upload_files", upload_files)


def upload_brush_array():
    url = sdk.upload_brush_array(pid, [[0, 1], [1, 0]])
    signed = sdk._get_signed_url(url, project=pid, file_type=StorageFileTypes.BRUSH)
    check(requests.get(signed).content[:8] == b"\x89PNG\r\n\x1a\n", "the brush PNG does not come back")


call("upload_brush_array", upload_brush_array)


def delete_assets():
    ids = [a["_id"] for a in data(sdk.get_assets(state["new"]))["assets"]]
    sdk.delete_assets(state["new"], ids[:1])
    check(data(sdk.get_assets(state["new"]))["total"] == 1, "asset not deleted")


call("delete_assets", delete_assets)

# ------------------------------------------------------------------------------ exports


def export():
    rows = sdk.export(pid, ExportOptions(stage=["Label"]))
    # the seeded assets, the cloud asset and the local upload all wait at Label
    check(isinstance(rows, list) and len(rows) == setup["assetCount"] + 2, f"{len(rows)} rows")
    check(all({"externalId", "asset", "task", "batches"} <= set(r) for r in rows), "export row shape")


call("export", export)


def export_v3():
    lines, count = sdk.exportV3(pid, ExportOptions(stage=["Label"], export_format=ExportFormats.NDJSON))
    rows = list(lines)
    check(count == len(rows) and count > 0, "ndjson export")
    pre = [r for r in rows if r["externalId"] == state["asset"]["externalId"]][0]
    check(pre["task"]["tools"][0]["title"] and pre["task"]["tools"][0]["schemaId"], "tool title/schemaId")


call("exportV3", export_v3)

# ------------------------------------------------------------------------------ project lifecycle


def clone_project():
    clone = data(sdk.clone_project(pid))["project"]
    state["clone"] = clone["_id"]
    check(clone["name"].endswith(" copy") and clone["assetCount"] == 0, "clone")


call("clone_project", clone_project)


def delete_project():
    sdk.delete_project(state["clone"])
    listed = [p["_id"] for p in data(sdk.list_projects(limit=100))["projects"]]
    check(state["clone"] not in listed, "the deleted project is still listed")


call("delete_project", delete_project)


def purge_project():
    sdk.purge_project(state["new"], "Coverage project")
    check(all(p["_id"] != state["new"] for p in data(sdk.list_projects(limit=100))["projects"]), "not purged")


call("purge_project", purge_project)

# ------------------------------------------------------------------------------ organization (docs: /api/docs/organization)


def organization_invites():
    invited = data(sdk.invite_members_to_org(state["org"], Invitation(["x@example.com"], OrganizationRoles.Member)))
    check([i["to"] for i in invited["invites"]] == ["x@example.com"], f"invite not made: {invited}")
    listed = data(sdk.get_organization_invites(state["org"]))["invites"]
    check(
        [(i["to"], i["organizationRole"], i["status"]) for i in listed] == [("x@example.com", "Member", "Pending")],
        listed,
    )


call("invite_members_to_org", organization_invites)
call(
    "get_organization_invites",
    lambda: check(len(data(sdk.get_organization_invites(state["org"]))["invites"]) == 1, "the invite is not listed"),
)


def delete_organization_invites():
    check(data(sdk.delete_organization_invites(state["org"], ["x@example.com"])) == {"deleted": 1, "failed": 0}, "")
    check(data(sdk.get_organization_invites(state["org"]))["invites"] == [], "the invite is still listed")


call("delete_organization_invites", delete_organization_invites)


def update_organization_members_role():
    answer = data(
        sdk.update_organization_members_role(
            state["org"],
            [
                RoleUpdate(setup["memberEmail"], OrganizationRoles.Admin),
                RoleUpdate("x@example.com", OrganizationRoles.Admin),
            ],
        )
    )["users"]
    check((answer["updated"], answer["failed"]) == (1, 1), f"roles: {answer}")
    members = {u["email"]: u for u in data(sdk.get_organization_members(state["org"]))["users"]}
    check(members[setup["memberEmail"]]["organizationRole"] == "Admin", f"role not changed: {members}")


call("update_organization_members_role", update_organization_members_role)


def delete_organization_members():
    answer = data(sdk.delete_organization_members(state["org"], [setup["memberEmail"], "x@example.com"]))
    check(answer == {"deleted": 1, "failed": 1}, f"deleted: {answer}")
    emails = [u["email"] for u in data(sdk.get_organization_members(state["org"]))["users"]]
    check(setup["memberEmail"] not in emails, "the member is still listed")


call("delete_organization_members", delete_organization_members)

# ------------------------------------------------------------------------------ analytics (docs: /api/docs/analytics)


def get_project_performance():
    people = data(sdk.get_project_performance(pid))["performance"]["users"]
    check(any(p["submitted"] >= 1 for p in people), f"the submitted task is not counted: {people}")


call("get_project_performance", get_project_performance)


def get_metrics():
    values = data(sdk.get_metrics(pid, Metrics.LabelStageGroups))["values"]
    check(sum(values.values()) >= 1, f"no tasks per stage: {values}")
    statuses = data(sdk.get_metrics(pid, Metrics.AnnotationStatus))["values"]
    check(sum(statuses.values()) == sum(values.values()), f"statuses {statuses} vs stages {values}")


call("get_metrics", get_metrics)

# ------------------------------------------------------------------------------ project extras


def create_attachment():
    asset = data(sdk.get_assets(pid, limit=1))["assets"][0]
    answer = data(
        sdk.create_attachment(
            pid,
            [{"externalId": asset["externalId"], "attachmentUrl": "https://x.example/a.pdf", "attachmentType": "pdf"}],
        )
    )
    check(answer["project"]["attachmentsImported"] == 1, f"attachments: {answer}")
    shown = data(sdk.get_assets(pid, filters={"_id": asset["_id"]}))["assets"][0]
    check(shown.get("attachments") == [{"type": "pdf", "value": "https://x.example/a.pdf"}], f"not shown: {shown}")


call("create_attachment", create_attachment)


def update_label_validation():
    sdk.update_label_validation(pid, custom_validation_enabled=True, validation_function="function v() {}")
    project = data(sdk.get_project(pid))["project"]
    check(project.get("customValidationEnabled") is True, "label validation not kept")
    check(project.get("validationFunction") == "function v() {}", "validation function not kept")


call("update_label_validation", update_label_validation)


def upload_chat_assets():
    before = data(sdk.get_assets(pid, limit=1))["total"]
    answer = sdk.upload_chat_assets(pid, ChatAssetCreationConfig(number_of_assets=2))
    check(answer["data"]["assets"]["assetsCreated"] == 2, f"chat assets: {answer}")
    check(data(sdk.get_assets(pid, limit=1))["total"] == before + 2, "the chat assets are not listed")


call("upload_chat_assets", upload_chat_assets)


def create_asset_builder_template():
    template = AssetBuilderTemplate(
        name="t", template="<p>|a|</p>", external_id_column="a", data_config={"a": DataConfigItem(type="text")}
    )
    sdk.create_asset_builder_template(pid, template)
    found = sdk.get_asset_builder_templates(pid)
    check([t["name"] for t in found] == ["t"] and found[0]["_id"], f"template not listed: {found}")
    state["template"] = found[0]["_id"]


call("create_asset_builder_template", create_asset_builder_template)


def upload_files_with_asset_builder():
    path = tempfile.mktemp(suffix=".csv")
    open(path, "w").write("a\nfirst\nsecond\n")
    before = data(sdk.get_assets(pid, limit=1))["total"]
    sdk.upload_files_with_asset_builder(pid, state["template"], path)
    check(data(sdk.get_assets(pid, limit=1))["total"] == before + 2, "the built assets are not listed")


call("upload_files_with_asset_builder", upload_files_with_asset_builder)

# ------------------------------------------------------------------------------ not simulated (nothing published)
call("add_members_to_project", lambda: sdk.add_members_to_project(pid, ["a@b.c"], ProjectRoles.Labeler))
call("get_llms", lambda: sdk.get_llms())
call("create_llm", lambda: sdk.create_llm(LLM("m", LlmProvider.OPENAI, "gpt", "key")))
call("delete_llm", lambda: sdk.delete_llm("0" * 24))
call("send_notification", lambda: sdk.send_notification([state["email"]], "hello"))


def upload_instructions():
    path = tempfile.mktemp(suffix=".pdf")
    open(path, "wb").write(b"%PDF-1.4 instructions")
    return sdk.upload_instructions(pid, path)


call("upload_instructions", upload_instructions)
call("rerun_webhook", lambda: sdk.rerun_webhook(pid, "Webhook"))

public = sorted(name for name, member in inspect.getmembers(SDK, inspect.isfunction) if not name.startswith("_"))
json.dump({"public": public, "results": results}, open(sys.argv[2], "w"), indent=1)
