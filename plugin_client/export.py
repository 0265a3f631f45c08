"""Export plugins: turn the project's export into a file of the plugin's own format.

For each run the plugin fetches the project's export (``GET /v2/export``, NDJSON in a
zip), calls the callback with ``jsonExport`` (an iterator of task dicts) and
``numTasks``, uploads the file the callback returns through the host's upload URL
(``GET /v2/getUploadUrl`` then ``PUT``), and answers
``{"export": True, "response": <signed download URL>, "session": ...}``.
Over REST that answer goes to ``POST /v2/pluginResponse``, as the official client sends it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .plugin import Plugin

EXPORT_FILE_TYPE = "exports"


@dataclass
class ExportResponse:
    """What an Export callback returns: the file (bytes or a binary file object) and its name.

    ``storage_id`` and ``bucket`` name the organization's storage to upload to (empty: the host's own).
    """

    file: Any
    file_name: str = "export.json"
    storage_id: str | None = None
    bucket: str | None = None
    options: Any = None

    def content(self) -> bytes:
        """The file's bytes, from ``bytes``, a ``BytesIO`` or any readable binary object."""
        if isinstance(self.file, (bytes, bytearray)):
            return bytes(self.file)
        if isinstance(self.file, io.BytesIO):
            return self.file.getvalue()
        if hasattr(self.file, "read"):
            if hasattr(self.file, "seek"):
                self.file.seek(0)
            data = self.file.read()
            if isinstance(data, str):
                raise TypeError("ExportResponse.file was opened in text mode: open it in binary mode ('rb')")
            return data
        raise TypeError(f"ExportResponse.file must be bytes or a binary file object, not {type(self.file).__name__}")


class ExportPlugin(Plugin):
    """An Export plugin. The callback gets the event plus ``jsonExport`` and ``numTasks``
    and returns an :class:`ExportResponse`. ``version`` is accepted for the official
    client's signature and not used."""

    plugin_type = "export"
    answers_rest_through_sdk = True

    def __init__(
        self,
        id: str,
        secret: str,
        callback: Callable[..., Any],
        host: str | None = None,
        version: str = "v2",
        **options: Any,
    ) -> None:
        super().__init__(id, secret, callback, host=host, **options)
        self.version = version

    def run_event(self, data: dict) -> dict:
        from .sdk import SDK

        project_id = data.get("projectId")
        if not project_id:
            raise ValueError("the run event names no 'projectId': an Export run exports a project")
        config_text = data.get("configJSON") or "{}"
        try:
            config = json.loads(config_text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the run's configJSON is not JSON: {exc}") from exc
        key_frames_only = bool(config.get("include_key_frames_only", False)) if isinstance(config, dict) else False
        with SDK(data.get("apiKey"), self.host) as sdk:
            tasks, count = sdk.export(
                project_id,
                stage=data.get("stage"),
                batches=data.get("batches") or None,
                include_key_frames_only=key_frames_only,
            )
            data["jsonExport"], data["numTasks"] = tasks, count
            result = self.call(data)
            if not isinstance(result, ExportResponse):
                raise TypeError(
                    f"the Export callback returned {type(result).__name__}: return "
                    "ExportResponse(file=<bytes or BytesIO>, file_name='...')"
                )
            body = result.content()
            storage = result.storage_id or None
            upload_url = sdk.get_upload_url(result.file_name, project_id, EXPORT_FILE_TYPE, storage_id=storage)
            signed_url = sdk.get_signed_url(upload_url, project_id, EXPORT_FILE_TYPE, storage_id=storage)
            sdk.put_file(upload_url, body)
        data["logger"].info(f"exported {count} task(s) as {result.file_name} ({len(body)} bytes)")
        return {"export": True, "response": signed_url, "session": data.get("session")}
