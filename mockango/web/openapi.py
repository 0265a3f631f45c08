"""The OpenAPI 3.1 description of the REST API (``/v2``) and the control API (``/api``), served at ``/openapi.json``.

Built from plain Python data so it reads like the API: one entry per operation, the
shapes shared by many defined once under ``components``. ``tests/openapi`` keeps it
true: every ``/v2`` and ``/api`` route of the app is described (and nothing else),
real answers validate against it, and schemathesis finds no answer it does not describe.

Adding a route? Add its operation to :data:`PATHS` (the test names the one missing).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Blueprint, jsonify

from ..runs.kinds import BATCHES, BUILT_IN, CLASS_MAPPING, PLUGIN_TYPES, Kinds
from .listings import SESSION_STATUSES

blueprint = Blueprint("openapi", __name__)

JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: tuple[str, ...] = (), **extra: Any) -> dict:
    """An object schema; extra properties are allowed (answers may grow), unless ``extra`` says otherwise."""
    return {"type": "object", "properties": properties, "required": list(required), **extra}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def success(data: dict) -> dict:
    """The REST API's wrapper: ``{"status": "success", "data": ...}``."""
    return obj({"status": {"const": "success"}, "data": data}, ("status", "data"))


def answer(status: str, description: str, schema: dict | None = None, **headers: dict) -> dict:
    body: dict = {"description": description}
    if schema is not None:
        body["content"] = {JSON: {"schema": schema}}
    if headers:
        body["headers"] = headers
    return {status: body}


ERRORS = {
    **answer("400", "Bad request: the message says what and where (a JSON path)", ref("Error")),
    **answer("401", "No API key, or an unknown one", ref("Error")),
    **answer("404", "Not found, or another organization's", ref("Error")),
    **answer("default", "Any other error, in the same shape", ref("Error")),
}


def operation(
    summary: str,
    responses: dict,
    *,
    tag: str,
    parameters: list | None = None,
    body: dict | None = None,
    body_required: bool = True,
) -> dict:
    op: dict = {"summary": summary, "tags": [tag], "responses": {**responses, **ERRORS}}
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": {JSON: {"schema": body}}}
    return op


def path_param(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": what, "schema": {"type": "string"}}


def query(name: str, schema: dict, what: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": what, "schema": schema}


def json_query(name: str, schema: dict, what: str) -> dict:
    """A query parameter that carries JSON (the SDK sends ``filters=<url-encoded JSON>``)."""
    return {"name": name, "in": "query", "required": False, "description": what, "content": {JSON: {"schema": schema}}}


def flag(name: str, what: str) -> dict:
    return query(name, {"type": "string", "enum": ["true", "false"]}, what)


PAGE = query("page", {"type": "integer", "minimum": 1, "default": 1}, "page number, from 1")
WAIT = query(
    "wait", {"type": "number", "minimum": 0, "maximum": 600}, "seconds to wait for the session to end before answering"
)
CATEGORY_SCHEMA = obj(
    {
        "tools": array({"type": "object"}),
        "classifications": array({"type": "object"}),
        "relations": array({"type": "object"}),
    }
)

FAULT_FIELDS = {
    "kind": {"enum": ["latency", "fail", "drop_plugin", "ignore_heartbeats", "slow_files"]},
    "method": {"type": "string"},
    "path": {"type": "string"},
    "event": {"enum": ["heartbeat", "log", "response", "plugin"]},
    "plugin": {"type": "string"},
    "seconds": {"type": "number", "minimum": 0, "maximum": 600},
    "status": {"enum": [429, 500, 502, 503, 504]},
    "retryAfter": {"type": "integer", "minimum": 0},
    "message": {"type": "string"},
    "when": {"enum": ["now", "before_run", "after_run"]},
    "bytesPerSecond": {"type": "integer", "minimum": 1},
    "times": nullable({"type": "integer", "minimum": 1}),
    "probability": {"type": "number", "minimum": 0, "maximum": 1},
    "seed": {"type": "integer"},
}

ASSET_FILTER = obj(
    {
        "_id": {"type": "string"},
        "externalId": {"type": "string"},
        "isPreLabeled": {"type": "boolean"},
        "batches": array({"type": "string"}),
    },
    additionalProperties=False,
)
"""``get_assets``' filters, as the official client documents them (imerit-ango ``SDK.get_assets``)."""
CONDITION = {
    "anyOf": [
        {"type": ["string", "number", "boolean", "null"]},
        array({"type": ["string", "number", "boolean", "null"]}),
        {"type": "object", "propertyNames": {"pattern": "^\\$"}},
    ]
}
TASK_FILTER = {"type": "object", "additionalProperties": CONDITION}
"""``TaskFilter`` JSON: field -> value or ``{"$operator": operand}``."""
ID_LIST = array({"type": "string"})


def run_type_fields(kinds: Kinds) -> dict:
    """POST /api/runs: each plugin kind's own fields (README, "Plugin types"); another kind's is a 400."""
    return {
        name: dict(run_field.schema)
        for name, run_field in kinds.run_fields().items()
        if name not in (CLASS_MAPPING.name, BATCHES.name)
    }


RUN_TYPE_FIELDS = run_type_fields(BUILT_IN)

SCHEMAS = {
    "Error": obj(
        {
            "status": {"const": "error"},
            "message": {"type": "string"},
            "errors": array({"type": "object"}),
            "warnings": array({"type": "object"}),
            "error": obj({"statusCode": {"type": "integer"}, "message": {"type": "string"}}, ("statusCode", "message")),
        },
        ("status", "message", "error"),
    ),
    "Batch": obj({"_id": {"type": "string"}, "name": {"type": "string"}}, ("_id", "name")),
    "Project": obj(
        {
            "_id": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "categorySchema": CATEGORY_SCHEMA,
            "batches": array(ref("Batch")),
            "organization": {"type": "string"},
            "assetCount": {"type": "integer"},
            "createdAt": {"type": "string"},
        },
        ("_id", "name", "categorySchema", "batches", "organization", "createdAt"),
    ),
    "Asset": obj(
        {
            "_id": {"type": "string"},
            "externalId": {"type": "string"},
            "data": {"type": "string"},
            "project": {"type": "string"},
            "batches": array({"type": "string"}),
            "metadata": {"type": "object"},
            "isPreLabeled": {"type": "boolean"},
            "createdAt": {"type": "string"},
        },
        ("_id", "externalId", "data", "project", "batches", "isPreLabeled"),
    ),
    "AssetWithLabels": {
        "allOf": [
            ref("Asset"),
            obj(
                {"labels": nullable({"type": "object"}), "labeledBySession": nullable({"type": "string"})},
                ("labels", "labeledBySession"),
            ),
        ]
    },
    "Plugin": obj(
        {
            "_id": {"type": "string"},
            "name": {"type": "string"},
            "type": {"enum": list(PLUGIN_TYPES)},
            "description": {"type": "string"},
            "classNames": array({"type": "string"}),
            "defaultConfig": {},
            "organization": {"type": "string"},
            "live": {"type": "boolean"},
            "createdAt": {"type": "string"},
            "lastHeartbeat": nullable({"type": "string"}),
            "callbackUrl": {"type": "string"},
            "secret": {"type": "string"},
        },
        ("_id", "name", "type", "classNames", "organization", "live"),
    ),
    "Session": obj(
        {
            "_id": {"type": "string"},
            "plugin": {"type": "string"},
            "project": {"type": "string"},
            "organization": {"type": "string"},
            "runBy": {"type": "string"},
            "status": {"enum": list(SESSION_STATUSES)},
            "message": {},
            "reason": nullable({"type": "string"}),
            "startedAt": {"type": "string"},
            "endedAt": nullable({"type": "string"}),
            "event": {"type": "object"},
            "logs": array({"type": "object"}),
            "imports": array({"type": "object"}),
            "pluginType": {"enum": list(PLUGIN_TYPES)},
            "result": {},
            "errors": array({"type": "object"}),
            "lateAnswers": array({"type": "object"}),
        },
        ("_id", "plugin", "project", "status", "startedAt", "event", "logs", "imports"),
    ),
    "ImportSummary": obj({"warnings": array({"type": "object"})}, ("warnings",)),
    "FaultSpec": obj(FAULT_FIELDS, ("kind",), additionalProperties=False),
    "Fault": obj(
        {
            **FAULT_FIELDS,
            "_id": {"type": "string"},
            "hits": {"type": "integer"},
            "times": nullable({"type": "integer", "minimum": 0}),
            "scope": {"enum": ["host", "organization"]},
            "description": {"type": "string"},
        },
        ("_id", "kind", "hits", "scope", "description"),
    ),
}

PROJECT_ID = path_param("project_id", "a project's _id")
PLUGIN_ID = path_param("plugin_id", "a plugin's _id")
SESSION_ID = path_param("session_id", "a session's _id")
FAULT_ID = path_param("fault_id", "a fault's _id")

REST, CONTROL, FAULTS = "REST API (as the real host)", "Control API", "Faults on demand"

PATHS = {
    # ------------------------------------------------------------------ REST API
    "/v2/project/{project_id}/assets": {
        "get": operation(
            "One page of a project's assets",
            tag=REST,
            parameters=[
                PROJECT_ID,
                PAGE,
                query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10}, "page size"),
                json_query("filters", ASSET_FILTER, "a JSON object: _id, externalId, isPreLabeled, batches"),
                query("assetId", {"type": "string"}, "old clients' filter by _id"),
                query("externalId", {"type": "string"}, "old clients' filter by externalId"),
            ],
            responses=answer(
                "200",
                "The page and the total count",
                success(obj({"assets": array(ref("Asset")), "total": {"type": "integer"}}, ("assets", "total"))),
            ),
        )
    },
    "/v2/project/{project_id}": {
        "get": operation(
            "A project with its ontology",
            tag=REST,
            parameters=[PROJECT_ID],
            responses=answer("200", "The project", success(obj({"project": ref("Project")}, ("project",)))),
        )
    },
    "/v2/listProjects": {
        "get": operation(
            "The organization's projects",
            tag=REST,
            parameters=[
                PAGE,
                query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}, "page size"),
            ],
            responses=answer(
                "200",
                "One page of projects, with the fields Ango's docs list (docs.imerit.net/api/docs/projects)",
                success(
                    obj(
                        {
                            "projects": array(
                                obj(
                                    {
                                        "_id": {"type": "string"},
                                        "name": {"type": "string"},
                                        "description": {"type": "string"},
                                        "organization": {"type": "string"},
                                        "createdAt": {"type": "string"},
                                    },
                                    ("_id", "name", "description", "organization", "createdAt"),
                                )
                            ),
                            "total": {"type": "integer"},
                        },
                        ("projects", "total"),
                    )
                ),
            ),
        )
    },
    "/v2/import/labels": {
        "post": operation(
            "Import pre-labels (all or nothing)",
            tag=REST,
            body=obj(
                {"project": {"type": "string"}, "jsonContent": array({"type": "object"})}, ("project", "jsonContent")
            ),
            responses=answer(
                "200", "Stored; counts and warnings", success(obj({"imported": ref("ImportSummary")}, ("imported",)))
            ),
        )
    },
    "/v2/pluginLog": {
        "post": operation(
            "A log line of a run (REST connector)",
            tag=REST,
            body=obj(
                {"session": {"type": "string"}, "level": {"type": "string"}, "msg": {"type": "string"}}, ("session",)
            ),
            responses=answer("200", "Kept on the session", success({"type": "object"})),
        )
    },
    "/v2/pluginResponse": {
        "post": operation(
            "A run's answer (REST connector)",
            tag=REST,
            body=obj({"session": {"type": "string"}, "response": {}, "error": {}}, ("session",)),
            responses=answer(
                "200",
                "The session's new status",
                success(obj({"session": {"type": "string"}, "status": {"type": "string"}}, ("session", "status"))),
            ),
        )
    },
    # -------------------------------------------------------------- control API
    "/api/info": {
        "get": operation(
            "The host's URL, your organization and user, the default project",
            tag=CONTROL,
            responses=answer(
                "200",
                "Who you are here",
                obj(
                    {
                        "url": {"type": "string"},
                        "organization": obj({"_id": {"type": "string"}, "name": {"type": "string"}}),
                        "user": obj(
                            {"_id": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string"}}
                        ),
                        "defaultProject": nullable({"type": "string"}),
                    },
                    ("url", "organization", "user", "defaultProject"),
                ),
            ),
        )
    },
    "/api/reset": {
        "post": operation(
            "The whole host back to the seeded data (its admin key only); the API key and serve's demo plugin stay",
            tag=CONTROL,
            responses={
                **answer(
                    "200",
                    "Reset",
                    obj(
                        {
                            "status": {"const": "success"},
                            "seed": {"type": "integer"},
                            "defaultProject": nullable({"type": "string"}),
                            "plugins": array({"type": "string"}),
                        },
                        ("status", "seed", "defaultProject", "plugins"),
                    ),
                ),
                **answer("403", "Not the host's admin key", ref("Error")),
            },
        )
    },
    "/api/plugins": {
        "get": operation(
            "Your organization's plugins",
            tag=CONTROL,
            responses=answer(
                "200", "Plugins with their live light", obj({"plugins": array(ref("Plugin"))}, ("plugins",))
            ),
        ),
        "post": operation(
            "Create a plugin",
            tag=CONTROL,
            body=obj(
                {
                    "name": {"type": "string"},
                    "classNames": array({"type": "string"}),
                    "defaultConfig": {},
                    "type": {"enum": list(PLUGIN_TYPES)},
                    "description": {"type": "string"},
                    "callbackUrl": {"type": "string"},
                    "id": {"type": "string", "description": "the id to give it (24 hex); default: a fresh one"},
                    "secret": {
                        "type": "string",
                        "description": "the secret to give it (16+ of A-Z a-z 0-9 . _ ~ -); default: a fresh one",
                    },
                },
                ("name",),
            ),
            responses=answer("201", "The plugin, with its secret", ref("Plugin")),
        ),
    },
    "/api/plugins/{plugin_id}": {
        "get": operation(
            "One plugin, with its secret",
            tag=CONTROL,
            parameters=[PLUGIN_ID],
            responses=answer("200", "The plugin", ref("Plugin")),
        ),
        "delete": operation("Delete a plugin", tag=CONTROL, parameters=[PLUGIN_ID], responses=answer("204", "Deleted")),
    },
    "/api/runs": {
        "post": operation(
            "Run a plugin on a project (the Run dialog)",
            tag=CONTROL,
            parameters=[WAIT],
            body=obj(
                {
                    "plugin": {"type": "string"},
                    "project": {"type": "string"},
                    "classMapping": {"type": "object"},
                    "config": {},
                    "batches": array({"type": "string"}),
                    "timeout": {"type": "number", "exclusiveMinimum": 0},
                    **RUN_TYPE_FIELDS,
                },
                ("plugin", "project"),
                additionalProperties=False,
            ),
            responses={
                **answer("201", "The session (ended, when ?wait= was long enough)", ref("Session")),
                **answer("409", "The plugin is not live", ref("Error")),
            },
        )
    },
    "/api/sessions": {
        "get": operation(
            "Your organization's sessions",
            tag=CONTROL,
            parameters=[
                query("plugin", {"type": "string"}, "only this plugin's"),
                query(
                    "status",
                    {"type": "string", "enum": list(SESSION_STATUSES)},
                    "only sessions in this state",
                ),
                PAGE,
                query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}, "page size"),
            ],
            responses=answer("200", "Sessions", obj({"sessions": array(ref("Session"))}, ("sessions",))),
        )
    },
    "/api/sessions/{session_id}": {
        "get": operation(
            "One session: status, message, event sent, log lines",
            tag=CONTROL,
            parameters=[
                SESSION_ID,
                WAIT,
                query(
                    "logsFrom",
                    {"type": "integer", "minimum": 0, "default": 0},
                    "only the log lines from this index on (a live view asks for the new ones)",
                ),
            ],
            responses=answer("200", "The session", ref("Session")),
        )
    },
    "/api/sessions/{session_id}/cancel": {
        "post": operation(
            "Stop a running session: it ends cancelled (the plugin is not told; what it sends later is kept, late)",
            tag=CONTROL,
            parameters=[SESSION_ID],
            responses={
                **answer("200", "The cancelled session", ref("Session")),
                **answer("409", "The session has ended already", ref("Error")),
            },
        )
    },
    "/api/projects": {
        "get": operation(
            "Your organization's projects",
            tag=CONTROL,
            parameters=[
                PAGE,
                query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "page size"),
            ],
            responses=answer(
                "200",
                "Projects",
                obj({"projects": array(ref("Project")), "total": {"type": "integer"}}, ("projects", "total")),
            ),
        ),
        "post": operation(
            "Create a project with your own ontology and assets",
            tag=CONTROL,
            body=obj(
                {
                    "name": {"type": "string"},
                    "categorySchema": CATEGORY_SCHEMA,
                    "description": {"type": "string"},
                    "assets": array(
                        obj(
                            {
                                "externalId": {"type": "string"},
                                "data": {"type": "string"},
                                "metadata": {"type": "object"},
                                "batches": array({"type": "string"}),
                            },
                            ("externalId", "data"),
                        )
                    ),
                },
                ("name", "categorySchema"),
            ),
            responses=answer("201", "The project", ref("Project")),
        ),
    },
    "/api/projects/{project_id}/assets": {
        "get": operation(
            "One page of a project's assets, with their stored pre-labels",
            tag=CONTROL,
            parameters=[
                PROJECT_ID,
                PAGE,
                query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "page size"),
            ],
            responses=answer("200", "Assets", obj({"assets": array(ref("AssetWithLabels"))}, ("assets",))),
        )
    },
    # ------------------------------------------------------------------- faults
    "/api/faults": {
        "get": operation(
            "The active faults",
            tag=FAULTS,
            responses=answer("200", "Faults, oldest first", obj({"faults": array(ref("Fault"))}, ("faults",))),
        ),
        "post": operation(
            "Add a fault (latency, failures, dropped sockets, ...)",
            tag=FAULTS,
            body=ref("FaultSpec"),
            responses=answer("201", "The fault", ref("Fault")),
        ),
        "delete": operation("Remove every fault", tag=FAULTS, responses=answer("204", "Removed")),
    },
    "/api/faults/{fault_id}": {
        "delete": operation("Remove one fault", tag=FAULTS, parameters=[FAULT_ID], responses=answer("204", "Removed"))
    },
}


# The rest of the SDK's calls (tasks, projects, storages, exports, issues, and the ones mockango
# answers 501 "not simulated"), described loosely for now: their paths, parameters and error shape,
# with any JSON as a success. Tighten one by moving it into PATHS with its schemas.
SDK_ROUTES = """
GET    /v2/project/{project_id}/tasks                 tasks of a project
GET    /v2/task/{task_id}                             one task
POST   /v2/annotate/{task_id}                         submit a task's answer
POST   /v2/review/{task_id}                           review a task
POST   /v2/project/{project_id}/requeueTasks          requeue tasks
POST   /v2/project/{project_id}/updatePriority        set task priorities
POST   /v2/project/{project_id}/benchmark-tasks       mark benchmark tasks
POST   /v2/task/assign                                assign tasks
GET    /v2/task/{task_id}/history                     a task's history
GET    /v2/taskHistory/{entry_id}                     one history entry
POST   /v2/project                                    create a project
POST   /v2/project/{project_id}                       update a project
DELETE /v2/project/{project_id}                       delete a project
POST   /v2/project/{project_id}/purge                 purge a project
POST   /v2/project/{project_id}/clone                 clone a project
POST   /v2/batches/{project_id}                       create a batch
POST   /v2/assignBatches                              put assets in batches
POST   /v2/project/{project_id}/cloud                 add assets from cloud URLs
DELETE /v2/project/{project_id}/assets                delete assets
GET    /v2/organization/{organization_id}/users       the organization's members
GET    /v2/getUploadUrl                               a URL to upload a file to
GET    /v2/getSignedUrl                               a signed URL for a stored file
POST   /v2/storages                                   add a storage
POST   /v2/storages/                                  add a storage
GET    /v2/storages                                   the storages
DELETE /v2/storages/{storage_id}                      delete a storage
GET    /v2/storages/{storage_id}/files                a storage's files
POST   /v2/file-explorer                              browse a storage
GET    /v2/exportV3                                   export a project
GET    /v2/export                                     export a project (older clients)
POST   /v2/issues                                     open an issue
GET    /v2/issues                                     issues
POST   /v2/issues/{issue_id}                          update an issue
DELETE /v2/issues/{issue_id}                          delete an issue
POST   /v2/issues/{issue_id}/comment                  comment on an issue
GET    /api/projects/{project_id}/tasks               a project's tasks (control API)
POST   /api/tasks/{task_id}                           change a task (control API)
PUT    /api/storages/{storage_id}/files               put a file in a storage (control API)
POST   /v2/project/{project_id}/assigned              not simulated (501)
POST   /v2/attachments                                import attachments
GET    /v2/{project_id}/overview/{metric}             a project overview metric
POST   /v2/project/{project_id}/labelValidation       label validation settings
POST   /v2/project/{project_id}/chat                  upload chat assets
POST   /v2/performance/{project_id}                   project performance
GET    /v2/organization/{organization_id}/invites     the organization's invites
POST   /v2/organization/{organization_id}/invites     invite members
DELETE /v2/organization/{organization_id}/invites     delete invites
POST   /v2/organization/{organization_id}/users       change members' roles
DELETE /v2/organization/{organization_id}/users       remove members
GET    /v2/llms                                       not simulated (501)
POST   /v2/llms/                                      not simulated (501)
DELETE /v2/llms/{llm_id}                              not simulated (501)
POST   /v2/notifications                              not simulated (501)
POST   /v2/project/{project_id}/assetBuilderTemplates add an asset builder template
POST   /v2/project/{project_id}/instructions          not simulated (501)
POST   /v2/project/{project_id}/rerun-webhook         not simulated (501)
"""


LIMIT = query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size")
EXPORT_QUERY = [
    query("project", {"type": "string"}, "the project's _id"),
    json_query("stage", {"anyOf": [ID_LIST, {"type": "string"}]}, "stages (ids or names), a JSON list"),
    json_query("batches", ID_LIST, "batches (ids or names), a JSON list"),
    json_query("taskTypes", ID_LIST, "task types, a JSON list"),
    json_query("updatedAt", obj({"$gt": {"type": "string"}, "$lt": {"type": "string"}}), "a time range"),
    json_query("createdAt", obj({"$gt": {"type": "string"}, "$lt": {"type": "string"}}), "a time range"),
    query("format", {"enum": ["json", "ndjson"]}, "the file's format"),
    query("type", {"type": "string"}, "what to export (task)"),
    *(
        flag(name, "an export option")
        for name in ("sendEmail", "includeMetadata", "includeHistory", "doNotNotify", "includeOnlyKeyFrames")
    ),
]
LOOSE_QUERIES: dict[str, list[dict]] = {
    "GET /v2/project/{project_id}/tasks": [
        PAGE,
        LIMIT,
        json_query("filter", TASK_FILTER, "TaskFilter JSON"),
        query("status[eq]", {"type": "string"}, "old clients' status filter"),
        query("stage", {"type": "string"}, "old clients' stage filter"),
        json_query("batches", ID_LIST, "old clients' batch filter, a JSON list"),
        flag("includeAnswer", "with each task's answer"),
        query("sort", {"type": "string"}, "createdAt or -createdAt"),
    ],
    "GET /v2/task/{task_id}": [flag("includeAnswer", "with the answer")],
    "POST /v2/annotate/{task_id}": [flag("nextStage", "submit to the next stage"), flag("isPlugin", "by a plugin")],
    "POST /v2/project/{project_id}/cloud": [json_query("batches", ID_LIST, "batches to put the assets in")],
    "GET /v2/getUploadUrl": [
        query(name, {"type": "string"}, what)
        for name, what in (("name", "the file's name"), ("project", "the project's _id"), ("type", "what it is"))
    ],
    "GET /v2/getSignedUrl": [
        query(name, {"type": "string"}, what)
        for name, what in (("name", "the file's URL"), ("project", "the project's _id"), ("type", "what it is"))
    ],
    "GET /v2/storages": [query("_id", {"type": "string"}, "one storage")],
    "GET /v2/storages/{storage_id}/files": [
        query("bucketName", {"type": "string"}, "the bucket"),
        query("path", {"type": "string"}, "a folder"),
        flag("getSignedUrls", "sign each file's URL"),
    ],
    "GET /v2/export": EXPORT_QUERY,
    "GET /v2/exportV3": EXPORT_QUERY,
    "GET /v2/issues": [
        query(name, {"type": "string"}, what)
        for name, what in (
            ("project", "the project's _id"),
            ("asset", "an asset's _id"),
            ("labelTask", "a task's _id"),
            ("stage", "a stage id"),
            ("createdBy", "an email"),
        )
    ],
    "DELETE /v2/issues/{issue_id}": [query("project", {"type": "string"}, "the project's _id")],
    "GET /api/projects/{project_id}/tasks": [PAGE, LIMIT, query("stage", {"type": "string"}, "only this stage")],
    "PUT /api/storages/{storage_id}/files": [
        query("bucket", {"type": "string"}, "the bucket"),
        query("path", {"type": "string"}, "the file's path"),
    ],
}
"""The query parameters of the loosely described routes (a route not listed takes none)."""


def loose_operation(method: str, path: str, summary: str) -> dict:
    """A described path with its parameters and error shape, any JSON (or nothing) as a success."""
    tag = CONTROL if path.startswith("/api/") else REST
    params = [path_param(name, name.replace("_", " ")) for name in re.findall(r"{([^}]+)}", path)]
    params += LOOSE_QUERIES.get(f"{method} {path}", [])
    responses = {"2XX": {"description": "Done", "content": {JSON: {"schema": {}}}}}
    if "not simulated" in summary:
        responses = answer("501", "mockango does not simulate this call", ref("Error"))
    body = {"type": "object"} if method in ("POST", "PUT") else None
    return operation(summary, responses, tag=tag, parameters=params, body=body, body_required=False)


def _with_sdk_routes(paths: dict) -> dict:
    for line in SDK_ROUTES.strip().splitlines():
        method, path, summary = line.split(None, 2)
        paths.setdefault(path, {})[method.lower()] = loose_operation(method, path, summary)
    return paths


def _for_kinds(doc: dict, kinds: Kinds) -> dict:
    """The document of a host whose plugin kinds are not the built-in six: their names and run fields."""
    names = list(kinds.names)
    schemas = doc["components"]["schemas"]
    schemas["Plugin"]["properties"]["type"]["enum"] = names
    schemas["Session"]["properties"]["pluginType"]["enum"] = names
    body = doc["paths"]["/api/plugins"]["post"]["requestBody"]["content"][JSON]["schema"]
    body["properties"]["type"]["enum"] = names
    body = doc["paths"]["/api/runs"]["post"]["requestBody"]["content"][JSON]["schema"]
    for name in RUN_TYPE_FIELDS:
        body["properties"].pop(name)
    body["properties"].update(run_type_fields(kinds))
    return doc


def description(server_url: str | None = None, kinds: Kinds = BUILT_IN) -> dict:
    """The whole OpenAPI document (a fresh copy each call)."""
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "mockango",
            "version": "1",
            "description": "A local stand-in for Ango Hub's plugin system: the REST API plugins call "
            "(/v2, at the real host's paths) and mockango's control API (/api). "
            "Every call needs the 'apikey' header.",
        },
        "security": [{"apikey": []}],
        "tags": [{"name": REST}, {"name": CONTROL}, {"name": FAULTS}],
        "paths": _with_sdk_routes(copy.deepcopy(PATHS)),
        "components": {
            "schemas": copy.deepcopy(SCHEMAS),
            "securitySchemes": {"apikey": {"type": "apiKey", "in": "header", "name": "apikey"}},
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc if kinds is BUILT_IN else _for_kinds(doc, kinds)


@blueprint.get("/openapi.json")
def openapi_json():
    from .middleware.caller import hub

    return jsonify(description(hub().base_url, hub().kinds))
