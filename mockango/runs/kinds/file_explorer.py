"""File Explorer: a run that browses a bucket's folder, or uploads files of it as assets.

Event fields: ``bucket``, ``folder``, ``files``, ``upload``, ``storageId``, ``scrollToken``. A browse
answers ``{folders, files, scrollToken}`` (strings; checked, every error with its path); an upload
answers a message, and the session's result lists the assets its key created.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...errors import InvalidRequest
from ...models import Project, Session
from .registry import Outcome, PluginKind, RunField, RunServices, as_bool, as_strings, as_text, errors_reason


class FileExplorer(PluginKind):
    name: ClassVar[str] = "file-explorer"
    title: ClassVar[str] = "File Explorer"
    form_heading: ClassVar[str] = "Storage"
    shows_result: ClassVar[str] = "listing"
    fields: ClassVar[tuple[RunField, ...]] = (
        RunField(
            "bucket", "bucket", "File Explorer: the bucket to browse.", label="Bucket", cli="--bucket", required=True
        ),
        RunField(
            "folder",
            "folder",
            "File Explorer: the folder (prefix) in the bucket.",
            label="Folder",
            hint="prefix",
            cli="--folder",
        ),
        RunField(
            "files",
            "files",
            "File Explorer: a file to upload. Repeatable.",
            schema={"type": "array", "items": {"type": "string"}},
            widget="lines",
            label="Files to upload",
            hint="one per line; empty: the whole folder",
            cli="--file",
            multiple=True,
        ),
        RunField(
            "upload",
            "upload",
            "File Explorer: upload instead of listing.",
            schema={"type": "boolean"},
            widget="checkbox",
            label="Upload the files as assets (instead of listing the folder)",
            cli="--upload/--browse",
        ),
        RunField(
            "storage_id",
            "storageId",
            "File Explorer: the storage id.",
            label="Storage id",
            hint="optional",
            cli="--storage",
        ),
        RunField(
            "scroll_token",
            "scrollToken",
            "File Explorer: where the previous listing stopped.",
            label="Scroll token",
            hint="optional",
            cli="--scroll-token",
        ),
    )

    def event_fields(self, services: RunServices, project: Project, given: Mapping[str, Any]) -> dict:
        bucket = as_text(given.get("bucket"), "bucket")
        if not bucket or not bucket.strip():
            raise InvalidRequest("'bucket' must name the bucket to browse")
        return {
            "bucket": bucket,
            "folder": as_text(given.get("folder"), "folder", ""),
            "files": as_strings(given.get("files"), "files"),
            "upload": as_bool(given.get("upload"), "upload", False),
            "storageId": as_text(given.get("storage_id"), "storageId"),
            "scrollToken": as_text(given.get("scroll_token"), "scrollToken"),
        }

    def read_answer(self, services: RunServices, session: Session, payload: Mapping[str, Any]) -> Outcome:
        outcome = listing(payload.get("response"))
        if session.event.get("upload") and outcome.ok:
            outcome.result["assets"] = services.assets_created_by(session.id)
        return outcome


def listing(response: Any) -> Outcome:
    """A browse answer: ``folders`` and ``files`` (strings) and a ``scrollToken``."""
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


KIND = FileExplorer()
