"""The six kinds of Ango Hub plugin: what each is created with, what its run event holds,
and what its answer means.

Plain functions over plain data (no Flask, no Hub state): the Hub asks this module to
check a run's options and build the type's event fields before a session starts, and
to read the answer when the plugin sends it back.

Event fields per type are those the official clients read (``imerit_ango/plugins.py``
of 1.4.10 and ``ango/plugins.py`` of 1.1.6; see ango-host-facts §7):

* Batch Model — ``categorySchema``, ``batches`` (1.1.x: ``tags``), ``configJSON``;
* Model — one asset: ``assetId``, ``dataURL``, ``taskId``, ``overwrite``, ``workflow``
  (1.1.x reads ``labeltask`` ``{_id, answer: {tools, classifications, relations}}``);
* Export — ``stage``, ``batches``, ``configJSON``;
* File Explorer — ``bucket``, ``folder``, ``files``, ``upload``, ``storageId``, ``scrollToken``;
* Markdown — ``inputFile`` (base64), ``markdownText``;
* Input — ``fileExplorerOptions``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import InvalidRequest

BATCH_MODEL, MODEL, EXPORT, FILE_EXPLORER, MARKDOWN, INPUT = (
    "batch-model",
    "model",
    "export",
    "file-explorer",
    "markdown",
    "input",
)


@dataclass(frozen=True)
class PluginKind:
    """One plugin type: its name on the wire, its title, and the run options it takes."""

    name: str
    title: str
    options: tuple[str, ...]
    """Run options beyond ``config`` (snake_case in Python, camelCase in JSON: see :data:`OPTION_FIELDS`)."""
    has_classes: bool = False
    """Model types: created with class names, run with a class mapping."""
    required: tuple[str, ...] = ()

    @property
    def a_title(self) -> str:
        """The title with its article, for sentences: "a Model", "an Export"."""
        return f"{'an' if self.title[0] in 'AEIOU' else 'a'} {self.title}"


KINDS: dict[str, PluginKind] = {
    kind.name: kind
    for kind in (
        PluginKind(BATCH_MODEL, "Batch Model", ("class_mapping", "batches"), has_classes=True),
        PluginKind(
            MODEL,
            "Model",
            ("class_mapping", "asset", "task", "overwrite", "workflow"),
            has_classes=True,
            required=("asset",),
        ),
        PluginKind(EXPORT, "Export", ("stage", "batches")),
        PluginKind(
            FILE_EXPLORER,
            "File Explorer",
            ("bucket", "folder", "files", "upload", "storage_id", "scroll_token"),
            required=("bucket",),
        ),
        PluginKind(
            MARKDOWN, "Markdown", ("input_file", "markdown_text", "batches"), required=("input_file", "markdown_text")
        ),
        PluginKind(INPUT, "Input", ("file_explorer_options",)),
    )
}
PLUGIN_TYPES = tuple(KINDS)

OPTION_FIELDS = {
    "class_mapping": "classMapping",
    "batches": "batches",
    "asset": "asset",
    "task": "taskId",
    "overwrite": "overwrite",
    "workflow": "workflow",
    "stage": "stage",
    "bucket": "bucket",
    "folder": "folder",
    "files": "files",
    "upload": "upload",
    "storage_id": "storageId",
    "scroll_token": "scrollToken",
    "input_file": "inputFile",
    "markdown_text": "markdownText",
    "file_explorer_options": "fileExplorerOptions",
}
"""Run option (Python keyword) -> its name in JSON (control API, CLI ``--option``)."""
FIELD_OPTIONS = {field: option for option, field in OPTION_FIELDS.items()}

DEFAULT_EXPORT_STAGES = ["Complete"]


def kind_of(name: Any) -> PluginKind:
    """The plugin type called ``name``; refuse anything else, listing the types."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise InvalidRequest(f"plugin type {name!r} is not an Ango Hub plugin type: use one of {list(PLUGIN_TYPES)}")
    return kind


def check_options(
    kind: PluginKind,
    plugin_name: str,
    options: Mapping[str, Any],
    *,
    strict: bool = False,
    warnings_out: list[dict] | None = None,
) -> dict[str, Any]:
    """The options given (None means not given), refusing missing required ones (rule ``run_option_required``).

    An option of another type (rule ``run_option_other_type``, evidence unknown) is dropped with a warning in
    ``warnings_out``, or refused in ``strict`` mode.
    """
    from ...validation.evidence import refuses

    given = {key: value for key, value in options.items() if value is not None}
    for key in list(given):
        if key not in kind.options:
            owners = [k.title for k in KINDS.values() if key in k.options]
            takes = ", ".join(OPTION_FIELDS[o] for o in kind.options) or "nothing beyond config"
            message = (
                f"'{OPTION_FIELDS.get(key, key)}' is for {' / '.join(owners) or 'no'} plugins; "
                f"'{plugin_name}' is {kind.a_title} plugin (its runs take: {takes})"
            )
            if refuses("run_option_other_type", strict):
                raise InvalidRequest(message)
            del given[key]
            if warnings_out is not None:
                warnings_out.append(
                    {"path": OPTION_FIELDS.get(key, key), "code": "run_option_other_type", "message": message}
                )
    missing = [OPTION_FIELDS[key] for key in kind.required if key not in given]
    if missing:
        raise InvalidRequest(f"{kind.a_title} run needs {', '.join(repr(m) for m in missing)}")
    return given


# ------------------------------------------------------------------ events


def _bool(value: Any, name: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidRequest(f"'{name}' must be true or false, got {value!r}")
    return value


def _text(value: Any, name: str, default: str | None = None) -> str | None:
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidRequest(f"'{name}' must be a string, got {type(value).__name__}")
    return value


def _strings(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"'{name}' must be a list of strings")
    return list(value)


def model_fields(asset_id: str, data_url: str, task: Mapping[str, Any] | None, options: Mapping[str, Any]) -> dict:
    """A Model run's event fields for one asset and its task (``{_id, answer}``, or None when it has none)."""
    workflow = _bool(options.get("workflow"), "workflow", False)
    overwrite = _bool(options.get("overwrite"), "overwrite", True)
    task_id = task.get("_id") if task else None
    answer = (task or {}).get("answer") or {}
    return {
        "assetId": asset_id,
        "dataURL": data_url,
        "taskId": task_id,
        "overwrite": overwrite,
        "workflow": workflow,
        # 1.1.x Model plugins read the task from here (its answer in the task format: ``tools``).
        "labeltask": {
            "_id": task_id,
            "answer": {
                "tools": list(answer.get("tools", answer.get("objects")) or []),
                "classifications": list(answer.get("classifications") or []),
                "relations": list(answer.get("relations") or []),
            },
        },
    }


def export_fields(options: Mapping[str, Any]) -> dict:
    stage = options.get("stage")
    if isinstance(stage, str):
        stage = [stage]
    stage = _strings(stage, "stage") or list(DEFAULT_EXPORT_STAGES)
    return {"stage": stage}


def file_explorer_fields(options: Mapping[str, Any]) -> dict:
    bucket = _text(options.get("bucket"), "bucket")
    if not bucket or not bucket.strip():
        raise InvalidRequest("'bucket' must name the bucket to browse")
    return {
        "bucket": bucket,
        "folder": _text(options.get("folder"), "folder", ""),
        "files": _strings(options.get("files"), "files"),
        "upload": _bool(options.get("upload"), "upload", False),
        "storageId": _text(options.get("storage_id"), "storageId"),
        "scrollToken": _text(options.get("scroll_token"), "scrollToken"),
    }


def markdown_fields(options: Mapping[str, Any]) -> dict:
    """``inputFile`` travels base64-encoded: bytes are encoded here, a string must already be base64."""
    raw = options.get("input_file")
    if isinstance(raw, (bytes, bytearray)):
        encoded = base64.b64encode(bytes(raw)).decode("ascii")
    elif isinstance(raw, str):
        try:
            base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest("'inputFile' must be the file's bytes or its content in base64") from None
        encoded = raw
    else:
        raise InvalidRequest("'inputFile' must be the file's bytes or its content in base64")
    text = _text(options.get("markdown_text"), "markdownText")
    if not text:
        raise InvalidRequest("'markdownText' must be the markdown template (placeholders as |column|)")
    return {"inputFile": encoded, "markdownText": text}


def input_fields(options: Mapping[str, Any]) -> dict:
    value = options.get("file_explorer_options")
    return {"fileExplorerOptions": [] if value is None else value}


# ----------------------------------------------------------------- answers


@dataclass
class Outcome:
    """What a plugin's answer means for its session."""

    ok: bool
    message: Any = None
    result: Any = None
    """The type's result: the stored answer, the export's URL, the listing, ..."""
    reason: str | None = None
    errors: list[dict] | None = None


def model_answer(response: Any) -> tuple[Any, str]:
    """The answer a Model plugin's response holds, and the JSON path it sits at.

    1.4.10 and plugin_client answer ``{objects, classifications, relations}`` (1.3.22's merge adds
    ``externalId``); the vendor's older sample answered ``{data, answer: {...}}``. Either way the answer is
    read by :func:`mockango.validation.answers.check_answer`, as ``POST /v2/annotate`` reads it.
    """
    if isinstance(response, Mapping) and "answer" in response and not any(k in response for k in ("objects", "tools")):
        return response.get("answer"), "response.answer"
    return response, "response"


def listing(response: Any) -> Outcome:
    """A File Explorer's browse answer: ``folders`` and ``files`` (strings) and a ``scrollToken``."""
    if not isinstance(response, Mapping):
        # An upload run answers a message (the vendor's sample: "N assets are uploaded!").
        return Outcome(True, message=response, result={"message": response})
    errors = []
    for key in ("folders", "files"):
        value = response.get(key, [])
        if not isinstance(value, list):
            errors.append({"path": f"response.{key}", "code": "wrong_type", "message": f"'{key}' must be a list"})
            continue
        errors += [
            {"path": f"response.{key}[{i}]", "code": "wrong_type", "message": f"must be a string, got {v!r}"}
            for i, v in enumerate(value)
            if not isinstance(v, str)
        ]
    token = response.get("scrollToken")
    if token is not None and not isinstance(token, str):
        errors.append(
            {"path": "response.scrollToken", "code": "wrong_type", "message": "'scrollToken' must be a string or null"}
        )
    if errors:
        return Outcome(
            False, message=response, reason=errors_reason("the File Explorer's answer", errors), errors=errors
        )
    result = {
        "folders": list(response.get("folders", [])),
        "files": list(response.get("files", [])),
        "scrollToken": token,
    }
    return Outcome(True, message=response, result=result)


def export_answer(payload: Mapping[str, Any], fetch: Callable[[str], tuple[str, bytes] | None]) -> Outcome:
    """An Export answer ``{export: true, response: <signed URL>}``; ``fetch(url)`` finds the uploaded file."""
    url = payload.get("response")
    if payload.get("export") is not True or not isinstance(url, str):
        return Outcome(
            False,
            message=payload.get("response"),
            reason="an Export plugin must answer {export: true, response: <the signed URL of its file>}, "
            f"got export={payload.get('export')!r} and response={url!r}",
        )
    found = fetch(url)
    if found is None:
        return Outcome(
            False,
            message=url,
            reason=f"the Export plugin answered {url}, which is not a file uploaded "
            "to this host: did its PUT to the upload URL succeed?",
        )
    name, _ = found
    return Outcome(True, message=url, result={"url": url, "fileName": name})


def errors_reason(what: str, errors: list[dict]) -> str:
    shown = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return f"{what} was refused with {len(errors)} error(s), nothing was stored: {shown}{more}"
