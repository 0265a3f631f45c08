"""Exports: a project's tasks in Ango Hub's export format, zipped at a download URL.

Each exported task is ``{"externalId", "asset", "assetId", "dataset", "batches" (names),
"metadata", "task": {"taskId", "stage", "stageId", "status", "assignee", "reviewStatus",
"priority", "tools" (with title, schemaId, objectId and geometry), "classifications",
"relations", "createdAt", "updatedAt", "history"?}}``. The options are the query
parameters of ``ExportOptions.toDict()`` (1.4.10, ``/v2/export``; 1.3.x, ``/v2/exportV3``).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest
from ..models import User, iso_time
from ..records.tasks import answer_of, shown_answer
from ..store.objects import SIGNED_URL_TTL

if TYPE_CHECKING:
    from ..hub import Hub

FORMATS = ("json", "ndjson")
BOOLEAN_OPTIONS = (
    "sendEmail",
    "includeMetadata",
    "includeHistory",
    "doNotNotify",
    "includeOnlyKeyFrames",
    "includeIdleBlurDurations",
)
KNOWN_OPTIONS = BOOLEAN_OPTIONS + (
    "includeSegmentationPoints",
    "format",
    "type",
    "batches",
    "taskTypes",
    "stage",
    "updatedAt",
    "createdAt",
    "project",
)


def json_parameter(params: Mapping, name: str, shape: str) -> Any:
    """A query parameter holding JSON, parsed (None when absent), or a 400 naming it and the shape it needs."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"'{name}' must be {shape}: {exc.msg}")


def _json_list(params: Mapping, name: str) -> list[str] | None:
    value = json_parameter(params, name, "a JSON list of strings")
    if isinstance(value, str):  # 1.3.x sends one stage as a JSON string
        value = [value]
    if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
        raise InvalidRequest(f"{name} must be a JSON list of strings")
    return value


def _time_range(params: Mapping, name: str) -> dict | None:
    value = json_parameter(params, name, 'JSON like {"$gt": "2024-01-01T00:00:00.000000Z"}')
    if value is not None and (
        not isinstance(value, dict)
        or set(value) - {"$gt", "$lt"}
        or not all(isinstance(v, str) for v in value.values())
    ):
        raise InvalidRequest(f"{name} must be an object with '$gt' and/or '$lt' ISO times")
    return value


def parse_options(params: Mapping[str, str], *, strict: bool = False, warnings_out: list | None = None) -> dict:
    """The export's options from its query, checked.

    ``format`` must be one Ango's import-export page lists (rule ``export_format``, documented). Any other
    parameter mockango cannot read (rule ``export_parameter``, evidence unknown) is ignored with a warning in
    ``warnings_out``, or refused in ``strict`` mode.
    """
    from ..validation.evidence import refuses

    warnings = warnings_out if warnings_out is not None else []

    def soft(name: str, read, default):
        try:
            return read()
        except InvalidRequest as exc:
            if refuses("export_parameter", strict):
                raise
            warnings.append({"path": name, "code": "export_parameter", "message": f"{exc.message} (ignored)"})
            return default

    unknown = set(params) - set(KNOWN_OPTIONS)
    if unknown:
        message = f"unknown export option(s) {sorted(unknown)}; known: {', '.join(KNOWN_OPTIONS)}"
        soft(sorted(unknown)[0], lambda: (_ for _ in ()).throw(InvalidRequest(message)), None)
    options: dict[str, Any] = {}
    for name in BOOLEAN_OPTIONS:
        default = name in ("includeMetadata", "includeHistory")
        raw = params.get(name, "true" if default else "false")

        def boolean(raw=raw, name=name):
            if raw not in ("true", "false"):
                raise InvalidRequest(f"{name} must be 'true' or 'false', got {raw!r}")
            return raw == "true"

        options[name] = soft(name, boolean, default)
    options["format"] = params.get("format", "json")
    if options["format"] not in FORMATS:
        raise InvalidRequest(
            f"format must be one of {list(FORMATS)}, got {options['format']!r}",
            details=[{"path": "format", "code": "export_format", "message": f"not one of {list(FORMATS)}"}],
        )
    options["type"] = params.get("type", "task")
    if options["type"] == "None":  # 1.3.x sends its default export_type=None as the text "None"
        options["type"] = "task"
    if options["type"] != "task":
        raise InvalidRequest(f"type {options['type']!r} is not simulated: only task exports are")
    options["batches"] = soft("batches", lambda: _json_list(params, "batches"), None)
    options["stage"] = soft("stage", lambda: _json_list(params, "stage"), None)
    options["taskTypes"] = soft("taskTypes", lambda: _json_list(params, "taskTypes"), None) or ["default"]
    options["updatedAt"] = soft("updatedAt", lambda: _time_range(params, "updatedAt"), None)
    options["createdAt"] = soft("createdAt", lambda: _time_range(params, "createdAt"), None)
    return options


def _in_range(stamp: str, bounds: dict | None) -> bool:
    if not bounds:
        return True
    # ISO strings compare in time order; the client sends microseconds, we keep milliseconds.
    return ("$gt" not in bounds or stamp > bounds["$gt"][:23]) and ("$lt" not in bounds or stamp < bounds["$lt"][:23])


def export_rows(hub: Hub, user: User, project_id: Any, options: Mapping) -> list[dict]:
    """The project's tasks chosen by ``options``, as export rows (one read of the project's tasks)."""
    project = hub.project_for(user, project_id)
    batch_ids = None
    if options.get("batches") is not None:
        from .batches import resolve

        batch_ids = set(resolve(project, options["batches"], "batches"))
    stages = hub.tasks.stages(project.id)
    stage_names = {s["id"]: s.get("name", s["id"]) for s in stages}
    wanted_stages = options.get("stage")
    if wanted_stages is not None:
        known = set(stage_names) | set(stage_names.values())
        for index, stage in enumerate(wanted_stages):
            if stage not in known:
                raise InvalidRequest(f"stage[{index}]: no stage {stage!r} in this project's workflow")
    batch_names = {b.id: b.name for b in project.batches}
    if "default" not in options.get("taskTypes", ["default"]):
        return []
    rows = []
    base = hub.base_url.rstrip("/")
    for task in hub.tasks.iter_project(project.id):
        if (
            wanted_stages is not None
            and task["stage"] not in wanted_stages
            and stage_names.get(task["stage"]) not in wanted_stages
        ):
            continue
        batches = json.loads(task["batches"])
        if batch_ids is not None and not batch_ids & set(batches):
            continue
        created, updated = iso_time(task["created_at"]), iso_time(task["updated_at"])
        if not _in_range(created, options.get("createdAt")) or not _in_range(updated, options.get("updatedAt")):
            continue
        answer = shown_answer(answer_of(task), project.category_schema)
        if options.get("includeOnlyKeyFrames"):
            for tool in answer["tools"]:
                if isinstance(tool.get("frames"), list):
                    tool["frames"] = [
                        f for f in tool["frames"] if not isinstance(f, Mapping) or f.get("isKeyFrame", True)
                    ]
        exported_task = {
            "taskId": task["id"],
            "stage": stage_names.get(task["stage"], task["stage"]),
            "stageId": task["stage"],
            "status": task["status"],
            "assignee": task["assignee"],
            "reviewStatus": task["review_status"],
            "priority": task["priority"],
            "duration": task["duration"],
            "totalDuration": task["total_duration"],
            "brushDataUrl": task["brush_data_url"],
            **answer,
            "createdAt": created,
            "updatedAt": updated,
        }
        if options.get("includeHistory"):
            exported_task["history"] = [
                {k: v for k, v in entry.items() if k not in ("project", "asset", "task")}
                for entry in hub.tasks.history_rows(task["pk"])
            ]
        row = {
            "externalId": task["external_id"],
            "asset": base + task["data"] if task["hosted"] else task["data"],
            "assetId": task["asset_id"],
            "dataset": [],
            "batches": [batch_names.get(b, b) for b in batches],
            "task": exported_task,
        }
        if options.get("includeMetadata"):
            row["metadata"] = json.loads(task["metadata"])
        rows.append(row)
    return rows


def build_export(
    hub: Hub, user: User, project_id: Any, params: Mapping[str, str], *, warnings_out: list | None = None
) -> str:
    """Write the export zip to the object store; returns a signed URL that downloads it (no API key).

    ``warnings_out`` receives the parameters ignored by rule ``export_parameter`` (see :func:`parse_options`)."""
    options = parse_options(params, strict=hub.strict, warnings_out=warnings_out)
    rows = export_rows(hub, user, project_id, options)
    if options["format"] == "ndjson":
        content, name = "".join(json.dumps(r) + "\n" for r in rows), "export.ndjson"
    else:
        content, name = json.dumps(rows), "export.json"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    stamp = iso_time(time.time()).replace(":", "-")
    key = hub.objects.key_for(user.organization_id, project_id, "exports", f"export-{stamp}.zip")
    hub.objects.put(key, buffer.getvalue())
    return hub.objects.url(hub.base_url, key, "GET", SIGNED_URL_TTL)
