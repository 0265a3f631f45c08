"""A small REST client for the host's API: the calls plugins of every type make.

One ``requests.Session`` per SDK reuses connections where the host keeps them alive.
Every answer is returned as the host sent it (``{"status": "success", "data": ...}``),
so code written for the official SDK (``resp["data"]["assets"]``) works unchanged.

A host under load or behind a gateway answers now and then with 429, 502, 503 or
504, or drops a connection. Reads (GET) are safe to repeat, so they are retried
with exponential backoff and jitter, waiting what ``Retry-After`` asks (capped),
for a bounded number of attempts. A label import (POST) is never repeated: the
host may have stored it before the answer was lost, so its failure is raised at
once as :class:`SDKError` with the status and the host's message (and
``retry_after`` when the host said when to come back).
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import random
import tempfile
import time
import zipfile
from collections.abc import Iterator
from typing import IO, Any

import requests

from .errors import SDKError

RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""Answers that say "try again later": a GET that gets one is repeated."""
DOWNLOAD_PIECE = 1 << 20
EXPORT_TIMEOUT = 3600.0
"""Seconds ``SDK.export`` waits for the host to write the export (a million tasks take minutes)."""
log = logging.getLogger("plugin_client")


def _export_rows(spool: IO[bytes], archive: zipfile.ZipFile, name: str) -> Iterator[dict]:
    """The export's rows, decompressed and parsed one line at a time; the downloaded file goes when
    the rows run out (or the iterator is closed or dropped)."""
    try:
        with archive.open(name) as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)
    finally:
        archive.close()
        spool.close()


def resolve_host(host: str | None) -> str:
    """The host's base URL: the argument, else ``ANGO_HOST`` / ``MOCKANGO_URL`` from the environment."""
    host = host or os.environ.get("ANGO_HOST") or os.environ.get("MOCKANGO_URL")
    if not host:
        raise ValueError(
            "no host given: pass host='http://127.0.0.1:8080' (mockango) or your Ango host's API URL, or set ANGO_HOST"
        )
    return host.rstrip("/")


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _reason(response: requests.Response) -> str:
    """What a refused request says: the host's JSON ``message`` when there is one, else its text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return response.text[:300] or response.reason


class SDK:
    """The host's REST API. ``attempts`` bounds tries per GET (1: no retry); waits between tries
    grow from ``backoff`` to ``max_backoff`` seconds, and a ``Retry-After`` is honoured up to
    ``max_retry_after`` seconds."""

    def __init__(
        self,
        api_key: str | None,
        host: str | None = None,
        *,
        timeout: float = 30.0,
        attempts: int = 4,
        backoff: float = 0.25,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
    ) -> None:
        if not api_key:
            raise ValueError("SDK needs an api_key: the plugin receives one in data['apiKey']")
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        self.api_key = api_key
        self.host = resolve_host(host)
        self.timeout = timeout
        self.attempts, self.backoff, self.max_backoff = attempts, backoff, max_backoff
        self.max_retry_after = max_retry_after
        self._jitter = random.Random()
        self._http = requests.Session()
        self._http.headers.update({"apikey": api_key, "Content-Type": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SDK:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _call(
        self, method: str, path: str, *, params: dict | None = None, body: Any = None, timeout: float | None = None
    ) -> dict:
        """One call, retried while it is a GET that failed for a reason worth waiting out; ``timeout``
        (seconds to wait for the answer) replaces the SDK's own for this call."""
        attempts = self.attempts if method == "GET" else 1
        for attempt in range(1, attempts + 1):
            try:
                return self._call_once(
                    method, path, params=params, body=body, attempt=attempt, timeout=timeout or self.timeout
                )
            except SDKError as error:
                retryable = error.status == 0 or error.status in RETRY_STATUSES
                if attempt == attempts or not retryable:
                    raise
                wait = self._wait_before_retry(attempt, error.retry_after)
                log.warning(
                    "%s %s failed (%s); try %d of %d in %.2f s",
                    method,
                    path,
                    error.message if error.status == 0 else f"HTTP {error.status}",
                    attempt + 1,
                    attempts,
                    wait,
                )
                time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _wait_before_retry(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        ceiling = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
        return ceiling / 2 + self._jitter.uniform(0, ceiling / 2)

    def _call_once(
        self, method: str, path: str, *, params: dict | None, body: Any, attempt: int, timeout: float
    ) -> dict:
        url = self.host + path
        try:
            response = self._http.request(
                method, url, params=params, data=None if body is None else json.dumps(body), timeout=timeout
            )
        except requests.RequestException as exc:
            raise SDKError(0, f"could not reach the host: {exc}", method=method, url=url, attempts=attempt) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not response.ok:
            message = payload.get("message") if isinstance(payload, dict) else None
            errors = payload.get("errors") if isinstance(payload, dict) else None
            raise SDKError(
                response.status_code,
                message or response.text or response.reason,
                method=method,
                url=url,
                errors=errors,
                body=payload,
                attempts=attempt,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if not isinstance(payload, dict):
            raise SDKError(
                response.status_code,
                f"the host answered with something that is not JSON: {response.text[:200]!r}",
                method=method,
                url=url,
                attempts=attempt,
            )
        return payload

    def get_assets(
        self,
        project_id: str,
        asset_id: str | None = None,
        external_id: str | None = None,
        page: int = 1,
        limit: int = 10,
        filters: dict | None = None,
    ) -> dict:
        """One page of the project's assets: ``resp["data"]["assets"]`` and ``resp["data"]["total"]``."""
        filters = dict(filters or {})
        if asset_id:
            filters["_id"] = asset_id
        if external_id:
            filters["externalId"] = external_id
        params: dict = {"page": page, "limit": limit}
        if filters:
            params["filters"] = json.dumps(filters)
        return self._call("GET", f"/v2/project/{project_id}/assets", params=params)

    def get_project(self, project_id: str) -> dict:
        """The project with its ontology: ``resp["data"]["project"]["categorySchema"]``."""
        return self._call("GET", f"/v2/project/{project_id}")

    def list_projects(self, page: int = 1, limit: int = 10) -> dict:
        return self._call("GET", "/v2/listProjects", params={"page": page, "limit": limit})

    def import_labels(self, project_id: str, labels: list) -> dict:
        """Import pre-labels; raises :class:`SDKError` (with every error) when the host refuses them.

        Never retried: a lost answer does not tell whether the host stored the import.
        """
        return self._call("POST", "/v2/import/labels", body={"project": project_id, "jsonContent": labels})

    # ------------------------------------------------ tasks, files, exports

    def get_task(self, task_id: str, include_answer: bool = True) -> dict:
        """One task: ``resp["data"]["task"]`` (its ``answer`` when ``include_answer``)."""
        return self._call("GET", f"/v2/task/{task_id}", params={"includeAnswer": str(include_answer)})

    def annotate_task(
        self,
        task_id: str,
        answer: dict,
        *,
        brush_data_url: str | None = None,
        medical_brush_data_url: str | None = None,
        next_stage: bool = False,
        is_plugin: bool = False,
        duration: int = 0,
    ) -> dict:
        """Submit a task's answer (``POST /v2/annotate/{taskId}``); ``next_stage`` moves it on."""
        body = {
            "answer": answer,
            "brushDataUrl": brush_data_url,
            "medicalBrushDataUrl": medical_brush_data_url,
            "duration": duration,
        }
        return self._call(
            "POST",
            f"/v2/annotate/{task_id}",
            body=body,
            params={"nextStage": str(next_stage).lower(), "isPlugin": str(is_plugin).lower()},
        )

    def export(
        self, project_id: str, *, stage: Any = None, batches: list | None = None, include_key_frames_only: bool = False
    ) -> tuple[Iterator[dict], int]:
        """The project's export as (an iterator of task dicts, their count), from the NDJSON the host zips.

        Streamed: the zip is downloaded to a temporary file, and the rows are decompressed and parsed
        one line at a time as the iterator is read, so a million tasks never sit in memory at once.
        """
        params = {
            "project": project_id,
            "format": "ndjson",
            "type": "task",
            "includeOnlyKeyFrames": str(include_key_frames_only).lower(),
            "doNotNotify": "true",
            "sendEmail": "false",
        }
        if stage:
            params["stage"] = json.dumps(stage if isinstance(stage, list) else [stage])
        if batches:
            params["batches"] = json.dumps(list(batches))
        # The host answers once the file is written: a big project's export takes minutes, not seconds.
        link = self._call("GET", "/v2/export", params=params, timeout=max(self.timeout, EXPORT_TIMEOUT))
        link = link["data"]["exportPath"]
        spool = self._download_to_file(link)
        try:
            archive = zipfile.ZipFile(spool)
            names = archive.namelist()
            if not names:
                raise SDKError(200, f"the export at {link} is an empty zip", method="GET", url=link)
            with archive.open(names[0]) as lines:  # one streamed pass to count, as numTasks needs it first
                count = sum(1 for line in lines if line.strip())
        except zipfile.BadZipFile as exc:
            spool.close()
            raise SDKError(200, f"the export at {link} is not a zip file: {exc}", method="GET", url=link) from exc
        except BaseException:
            spool.close()
            raise
        return _export_rows(spool, archive, names[0]), count

    def get_upload_url(
        self, file_name: str, project_id: str, file_type: str = "exports", *, storage_id: str | None = None
    ) -> str:
        """A URL to PUT a file to (no API key needed there): ``GET /v2/getUploadUrl``."""
        return self._file_url("/v2/getUploadUrl", "uploadUrl", file_name, project_id, file_type, storage_id)

    def get_signed_url(
        self, url: str, project_id: str, file_type: str = "exports", *, storage_id: str | None = None
    ) -> str:
        """A time-limited download URL for a stored file: ``GET /v2/getSignedUrl``."""
        return self._file_url("/v2/getSignedUrl", "signedUrl", url, project_id, file_type, storage_id)

    def _file_url(
        self, path: str, field: str, name: str, project_id: str, file_type: str, storage_id: str | None
    ) -> str:
        params = {"name": name, "project": project_id, "type": file_type}
        if storage_id:
            params["storageId"] = storage_id
        return self._call("GET", path, params=params)["data"][field]

    def put_file(self, upload_url: str, content: bytes) -> None:
        """PUT ``content`` to an upload URL (as to a presigned URL: no API key is sent)."""
        try:
            response = requests.put(upload_url, data=content, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SDKError(0, f"could not upload the file: {exc}", method="PUT", url=upload_url) from exc
        if not response.ok:
            raise SDKError(
                response.status_code, f"the upload was refused: {_reason(response)}", method="PUT", url=upload_url
            )

    def _download_to_file(self, url: str) -> IO[bytes]:
        """Download ``url`` into an anonymous temporary file (gone when closed), a piece at a time."""
        spool = tempfile.TemporaryFile()
        try:
            with requests.get(url, timeout=max(self.timeout, EXPORT_TIMEOUT), stream=True) as response:
                if not response.ok:
                    raise SDKError(
                        response.status_code, f"the download was refused: {_reason(response)}", method="GET", url=url
                    )
                for piece in response.iter_content(DOWNLOAD_PIECE):
                    spool.write(piece)
        except requests.RequestException as exc:
            spool.close()
            raise SDKError(0, f"could not download {url}: {exc}", method="GET", url=url) from exc
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return spool

    def get_storages(self, storage_id: str | None = None) -> dict:
        """The organization's storages (``resp["data"]["storages"]``); with an id, that storage itself."""
        response = self._call("GET", "/v2/storages", params={"_id": storage_id} if storage_id else None)
        if storage_id:
            for storage in response.get("data", {}).get("storages", []):
                if storage.get("_id") == storage_id:
                    return storage
            raise SDKError(404, f"storage '{storage_id}' not found", method="GET", url=self.host + "/v2/storages")
        return response

    def get_batches(self, project_id: str) -> list[dict]:
        """The project's batches: ``[{"_id", "name"}, ...]``."""
        return self.get_project(project_id)["data"]["project"].get("batches", [])

    def create_batch(self, project_id: str, batch_name: str) -> dict:
        return self._call("POST", f"/v2/batches/{project_id}", body={"name": batch_name})

    def upload_files_cloud(
        self,
        project_id: str,
        assets: list[dict],
        *,
        storage_id: str | None = None,
        batches: list[str] | None = None,
        priority: int = 0,
    ) -> dict:
        """Create assets from URLs (or, for markdown, their text): ``POST /v2/project/{id}/cloud``.

        Each asset is ``{"data", "externalId"}`` with optional ``batches`` (ids).
        """
        items = [dict(a, storage=storage_id) if storage_id else dict(a) for a in assets]
        params = {"batches": json.dumps(list(batches))} if batches else None
        return self._call(
            "POST",
            f"/v2/project/{project_id}/cloud",
            params=params,
            body={"assets": items, "uploadLocal": None, "priority": priority},
        )
