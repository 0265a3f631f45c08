"""Exports: a project's tasks in Ango Hub's export format, zipped at a download URL.

An export streams: its rows are read a chunk at a time (:mod:`.records.exports`) and written
straight into a zip on disk, so memory stays flat whatever the project's size; a big project
of ``mockango serve`` is written by a worker process (:mod:`.export_worker`).

Each exported task is ``{"externalId", "asset", "assetId", "dataset", "batches" (names),
"metadata", "task": {"taskId", "stage", "stageId", "status", "assignee", "reviewStatus",
"priority", "tools" (with title, schemaId, objectId and geometry), "classifications",
"relations", "createdAt", "updatedAt", "history"?}}``. The options are the query
parameters of ``ExportOptions.toDict()`` (1.4.10, ``/v2/export``; 1.3.x, ``/v2/exportV3``).
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import InvalidRequest
from ..input_limits import json_parameter
from ..models import User, iso_time
from ..records import exports
from ..records.tasks import answer_of
from ..records.values import Record
from ..store.objects import SIGNED_URL_TTL

if TYPE_CHECKING:
    import sqlite3

    from .context import Context
    from .tasks import TaskService

FORMATS = ("json", "ndjson")
WORKER_MIN_TASKS = 2_000
"""Projects with at least this many tasks are exported by the worker process (file stores): below it,
starting the worker (~0.3 s) costs more than the export holds the interpreter."""
WRITE_BUFFER = 1 << 20
SHARED_JSON_KEPT = 10_000  # decoded texts (and stamped seconds) an export keeps at once
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


def _json_list(value: Any, name: str) -> list[str] | None:
    if isinstance(value, str):  # 1.3.x sends one stage as a JSON string
        value = [value]
    if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
        raise InvalidRequest(f"{name} must be a JSON list of strings")
    return value


def _time_range(value: Any, name: str) -> dict | None:
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
    # A parameter that is not JSON at all (or NaN, or nested past the input limits) is refused whatever the mode;
    # JSON of a shape mockango cannot read is rule export_parameter.
    parsed = {
        name: json_parameter(params, name) for name in ("batches", "stage", "taskTypes", "updatedAt", "createdAt")
    }
    options["batches"] = soft("batches", lambda: _json_list(parsed["batches"], "batches"), None)
    options["stage"] = soft("stage", lambda: _json_list(parsed["stage"], "stage"), None)
    options["taskTypes"] = soft("taskTypes", lambda: _json_list(parsed["taskTypes"], "taskTypes"), None) or ["default"]
    options["updatedAt"] = soft("updatedAt", lambda: _time_range(parsed["updatedAt"], "updatedAt"), None)
    options["createdAt"] = soft("createdAt", lambda: _time_range(parsed["createdAt"], "createdAt"), None)
    return options


def _in_range(stamp: str, bounds: dict | None) -> bool:
    if not bounds:
        return True
    # ISO strings compare in time order; the client sends microseconds, we keep milliseconds.
    return ("$gt" not in bounds or stamp > bounds["$gt"][:23]) and ("$lt" not in bounds or stamp < bounds["$lt"][:23])


@dataclass
class ExportPlan:
    """One export, decided and checked in the request (every 400 is raised here), then written anywhere:
    in the request's thread or by the export worker (it crosses the process boundary as JSON)."""

    project_id: str
    category_schema: dict
    stage_names: dict[str, str]
    stages: list[str] | None  # stage ids and names to keep (None: every stage)
    batch_ids: list[str] | None
    options: dict
    base_url: str
    tasks: int  # how many tasks the project holds (the worker is for big ones)

    @property
    def file_name(self) -> str:
        return "export.ndjson" if self.options["format"] == "ndjson" else "export.json"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ExportPlan:
        return cls(**json.loads(text))


class _RowWriter:
    """Shapes export rows fast: titles looked up once, each repeated JSON text (batch lists, metadata,
    a second's time stamp) decoded once, answers shaped in place (they are freshly parsed)."""

    def __init__(self, plan: ExportPlan, *, share: bool) -> None:
        self.plan = plan
        self.share = share  # False: every row gets values of its own (rows handed to a caller, not written)
        schema = plan.category_schema
        self.titles = {t.get("schemaId"): t.get("title") for t in schema.get("tools", [])}
        self.class_titles = {c.get("schemaId"): c.get("title") for c in schema.get("classifications", [])}
        self.decoded: dict[str, Any] = {}  # JSON text -> value, for texts many rows share
        self.seconds: dict[int, str] = {}

    def shared_json(self, text: str) -> Any:
        """Decode a JSON text many rows repeat (a batch list, flat metadata), once: the value is only
        serialized again, never changed, so rows may share it."""
        if not self.share:
            return json.loads(text)
        value = self.decoded.get(text)
        if value is None:
            if len(self.decoded) >= SHARED_JSON_KEPT:
                self.decoded.clear()
            value = self.decoded[text] = json.loads(text)
        return value

    def stamp(self, epoch: float) -> str:
        """:func:`~mockango.models.iso_time`, with each second's text made once."""
        second = int(epoch)
        prefix = self.seconds.get(second)
        if prefix is None:
            if len(self.seconds) >= SHARED_JSON_KEPT:
                self.seconds.clear()
            prefix = self.seconds[second] = iso_time(second)[:19]
        return prefix + ".%03dZ" % int(epoch % 1 * 1000)

    def answer(self, row: Record) -> dict:
        """:func:`~mockango.records.tasks.shown_answer` of :func:`~mockango.records.tasks.answer_of`, shaped in
        the freshly decoded answer instead of a deep copy of it."""
        if row["answer"] is None and row["labels"] is None:
            return {"tools": [], "classifications": [], "relations": []}
        answer = answer_of(row)
        tools = list(answer.get("objects") or [])
        for item in tools:
            item.setdefault("title", self.titles.get(item.get("schemaId")))
        classifications = list(answer.get("classifications") or [])
        for item in classifications:
            item.setdefault("title", self.class_titles.get(item.get("schemaId")))
        return {"tools": tools, "classifications": classifications, "relations": list(answer.get("relations") or [])}

    def row(self, row: Record, batch_names: Mapping[str, str], history: Mapping[int, list]) -> dict:
        plan, options = self.plan, self.plan.options
        answer = self.answer(row)
        if options.get("includeOnlyKeyFrames"):
            for tool in answer["tools"]:
                if isinstance(tool.get("frames"), list):
                    tool["frames"] = [
                        f for f in tool["frames"] if not isinstance(f, Mapping) or f.get("isKeyFrame", True)
                    ]
        exported_task = {
            "taskId": row["id"],
            "stage": plan.stage_names.get(row["stage"], row["stage"]),
            "stageId": row["stage"],
            "status": row["status"],
            "assignee": row["assignee"],
            "reviewStatus": row["review_status"],
            "priority": row["priority"],
            "duration": row["duration"],
            "totalDuration": row["total_duration"],
            "brushDataUrl": row["brush_data_url"],
            **answer,
            "createdAt": self.stamp(row["created_at"]),
            "updatedAt": self.stamp(row["updated_at"]),
        }
        if options.get("includeHistory"):
            exported_task["history"] = [
                {
                    "_id": entry["id"],
                    "action": entry["action"],
                    "stage": entry["stage"],
                    "actor": entry["actor"],
                    "createdAt": self.stamp(entry["created_at"]),
                    **json.loads(entry["details"]),
                }
                for entry in history.get(row["pk"], ())
            ]
        exported = {
            "externalId": row["external_id"],
            "asset": plan.base_url + row["data"] if row["hosted"] else row["data"],
            "assetId": row["asset_id"],
            "dataset": [],
            "batches": [batch_names.get(b, b) for b in self.shared_json(row["batches"])],
            "task": exported_task,
        }
        if options.get("includeMetadata"):
            exported["metadata"] = self.shared_json(row["metadata"])
        return exported


def export_rows(db: sqlite3.Connection, plan: ExportPlan, *, share: bool = True) -> Iterator[dict]:
    """The export's rows in position order, read a chunk of tasks (and their history) at a time.

    ``share``: rows may share decoded values (metadata, batch lists) that repeat, which is right
    for rows that are only written out; say False for rows a caller keeps and may change."""
    options = plan.options
    if "default" not in options.get("taskTypes", ["default"]):
        return
    created_range, updated_range = options.get("createdAt"), options.get("updatedAt")
    writer = _RowWriter(plan, share=share)
    for chunk in exports.task_chunks(db, plan.project_id, stages=plan.stages, batch_ids=plan.batch_ids):
        if created_range or updated_range:
            chunk = [
                row
                for row in chunk
                if _in_range(writer.stamp(row["created_at"]), created_range)
                and _in_range(writer.stamp(row["updated_at"]), updated_range)
            ]
        named = {b for row in chunk for b in writer.shared_json(row["batches"])}
        names = exports.batch_names(db, plan.project_id, named) if named else {}
        history = exports.histories(db, [row["pk"] for row in chunk]) if options.get("includeHistory") else {}
        for row in chunk:
            yield writer.row(row, names, history)


def write_export(db: sqlite3.Connection, plan: ExportPlan, path: str | os.PathLike) -> int:
    """Write the export as a zip of one JSON or NDJSON file at ``path``, a row at a time (the file
    is never whole in memory); returns how many rows it holds."""
    count = 0
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(plan.file_name, "w", force_zip64=True) as raw,
    ):
        out = io.BufferedWriter(raw, WRITE_BUFFER)
        ndjson = plan.options["format"] == "ndjson"
        if not ndjson:
            out.write(b"[")
        for row in export_rows(db, plan):
            text = json.dumps(row)
            if ndjson:
                out.write(text.encode() + b"\n")
            else:
                out.write((b", " if count else b"") + text.encode())
            count += 1
        if not ndjson:
            out.write(b"]")
        out.flush()
        out.detach()
    return count


class ExportWriter(Protocol):
    """What writes big exports in another process (:class:`~.export_worker.ExportWorkers`)."""

    def write(self, plan: ExportPlan, path: str | os.PathLike) -> int: ...


class ExportService:
    """Exports of one host's projects: checked, then streamed to a zip in its object store."""

    def __init__(self, context: Context, tasks: TaskService, workers: ExportWriter | None) -> None:
        self._context = context
        self._tasks = tasks
        self._workers = workers

    def plan(self, user: User, project_id: Any, options: Mapping) -> ExportPlan:
        """The export of ``options`` for this user's project, checked: unknown stages and batches are refused
        by name."""
        project = self._context.scope(user).project(project_id)
        batch_ids = None
        if options.get("batches") is not None:
            from .batches import resolve

            batch_ids = resolve(project, options["batches"], "batches")
        stages = self._tasks.stages(project.id)
        stage_names = {s["id"]: s.get("name", s["id"]) for s in stages}
        wanted = options.get("stage")
        if wanted is not None:
            known = set(stage_names) | set(stage_names.values())
            for index, stage in enumerate(wanted):
                if stage not in known:
                    raise InvalidRequest(f"stage[{index}]: no stage {stage!r} in this project's workflow")
            # A task is kept when its stage's id or name is wanted: the ids of the stages named, and the ids given.
            wanted = sorted({*wanted, *(sid for sid, name in stage_names.items() if name in wanted)})
        return ExportPlan(
            project_id=project.id,
            category_schema=project.category_schema,
            stage_names=stage_names,
            stages=wanted,
            batch_ids=batch_ids,
            options=dict(options),
            base_url=self._context.base_url.rstrip("/"),
            tasks=sum(self._tasks.stage_counts(project.id).values()),
        )

    def rows(self, user: User, project_id: Any, params: Mapping[str, str]) -> list[dict]:
        """The rows ``GET /v2/export`` with these query parameters would write, as a list (``MockAngo.export``)."""
        plan = self.plan(user, project_id, parse_options(params))
        with self._context.store.read() as db:
            return list(export_rows(db, plan, share=False))

    def build(self, user: User, project_id: Any, params: Mapping[str, str], *, warnings_out: list | None = None) -> str:
        """Write the export zip to the object store; returns a signed URL that downloads it (no API key).

        ``warnings_out`` receives the parameters ignored by rule ``export_parameter`` (see :func:`parse_options`).

        A big project of a host kept in a file (``mockango serve``) is written by the export worker,
        another process (:mod:`.export_worker`), so the server's other requests keep the interpreter
        meanwhile; otherwise the request's thread writes it. Either way it streams to disk.
        """
        options = parse_options(params, strict=self._context.strict, warnings_out=warnings_out)
        plan = self.plan(user, project_id, options)
        objects = self._context.objects
        stamp = iso_time(time.time()).replace(":", "-")
        key = objects.key_for(user.organization_id, plan.project_id, "exports", f"export-{stamp}.zip")
        with objects.receiving(key) as path:
            if self._workers is not None and plan.tasks >= WORKER_MIN_TASKS:
                self._workers.write(plan, path)
            else:
                with self._context.store.read() as db:
                    write_export(db, plan, path)
        return objects.url(self._context.base_url, key, "GET", SIGNED_URL_TTL)
