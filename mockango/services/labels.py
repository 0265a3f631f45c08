"""Label imports: validated against the assets the items name (one indexed query), stored all or nothing.

``import_labels`` (the SDK's, and ``Hub.import_labels``) answers with the import's summary or
refuses with every error and its JSON path, storing nothing. A big body of a host kept in a file
is parsed and validated by the import worker (:mod:`.import_worker`), another process; only the
check of who may import and the one write happen in the request's thread.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .. import errors, input_limits
from ..errors import InvalidRequest, LabelImportError, MockangoError
from ..events import LabelsImported
from ..models import Project, User
from ..records import labels as label_rows
from ..records.projects import Projects
from ..records.values import to_json
from .context import Context

logger = logging.getLogger(__name__)

HINT_PROJECT_LIMIT = 10_000  # up to this many assets, unknown references get "did you mean" hints


def _references(labels: Any) -> tuple[list[str], list[str]]:
    external_ids: list[str] = []
    data_urls: list[str] = []
    if isinstance(labels, list):
        for item in labels:
            if isinstance(item, Mapping):
                if isinstance(item.get("externalId"), str):
                    external_ids.append(item["externalId"])
                if isinstance(item.get("data"), str):
                    data_urls.append(item["data"])
    return external_ids, data_urls


@dataclass
class PreparedImport:
    """A validated import, ready to store: the labels each asset gets, and the import's summary.

    ``rows`` is one JSON text, ``[[asset _id, labels as JSON text], ...]``, so the server's write is
    a single SQL statement that runs without the GIL, and the object crosses a process boundary
    cheaply: the import worker (:mod:`mockango.services.import_worker`) makes these in another process.
    """

    project_id: str
    rows: str
    summary: dict


def prepare_import(
    projects: Projects, project: Project, labels: Any, base_url: str, *, strict: bool = False
) -> PreparedImport:
    """Validate ``labels`` against the assets they name: everything an import does before it writes.

    Only reads (one indexed query for the named assets), so it can run in any process that
    can read the store. Raises :class:`LabelImportError` with every error (JSON paths).
    ``strict`` makes rules of unknown evidence refuse (:mod:`mockango.validation.evidence`).
    """
    from ..validation import validate_labels

    external_ids, data_urls = _references(labels)
    assets = projects.named_by(project.id, external_ids, data_urls, base_url)
    report = validate_labels(
        labels,
        project.category_schema,
        assets,
        project_name=project.name,
        project_asset_count=project.asset_count,
        strict=strict,
    )
    if (
        not report.ok
        and project.asset_count <= HINT_PROJECT_LIMIT
        and any(issue.code == "unknown_asset" for issue in report.errors)
    ):
        # Refused anyway: spend one read of this small project on "did you mean" hints.
        everything = [
            {"_id": a["_id"], "externalId": a["externalId"], "data": a["data"], "metadata": a["metadata"]}
            for a in projects.iter_assets(project.id, base_url, with_labels=False)
        ]
        report = validate_labels(labels, project.category_schema, everything, project_name=project.name, strict=strict)
    if not report.ok:
        errors = [issue.to_dict() for issue in report.errors]
        shown = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise LabelImportError(
            f"{len(errors)} error(s) in the import, nothing was stored: {shown}{more}",
            details=errors,
            warnings=[w.to_dict() for w in report.warnings],
        )
    labels_of: dict[str, str] = {}  # asset _id -> its labels; a later item naming the same asset wins
    for index, (item, asset_ids) in enumerate(zip(labels, report.matches)):
        if asset_ids:
            text = to_json(item, f"jsonContent[{index}]")
            labels_of.update(
                (asset_id, text) for asset_id in asset_ids if asset_id is not None
            )  # store assets have ids
    summary = {**report.counts, "warnings": [w.to_dict() for w in report.warnings]}
    return PreparedImport(project.id, json.dumps(list(labels_of.items())), summary)


def read_import_body(raw: bytes) -> tuple[Any, Any]:
    """The project id and ``jsonContent`` of a ``POST /v2/import/labels`` body; 400 when the body is wrong."""
    body = input_limits.loads_object(raw)
    if "jsonContent" not in body:
        raise InvalidRequest("the body needs 'jsonContent': the list of label items to import")
    project_id = body.get("project")
    if not isinstance(project_id, str):
        raise InvalidRequest("'project' must be a project id string")
    return project_id, body["jsonContent"]


class WorkerUnavailable(Exception):
    """The worker could not be started or reached; the caller runs the import in its own thread."""


@dataclass
class WorkerAnswer:
    """What preparing one import body gave: the project it names (when it got that far), and the
    prepared import or the error to answer with (picklable: it crosses the process boundary)."""

    project_id: str | None = None
    prepared: PreparedImport | None = None
    error: tuple[str, int, str, Any, Any] | None = None  # (errors.<class>, status, message, details, warnings)
    failure: str | None = None  # the worker's own traceback: not the body's fault

    def raise_error(self) -> None:
        """Raise the error the worker met, as the in-thread import would have raised it."""
        if self.failure is not None:
            raise WorkerUnavailable(f"the import worker failed:\n{self.failure}")
        if self.error is None:
            return
        kind, status, message, details, warnings = self.error
        cls = getattr(errors, kind, None)
        if not (isinstance(cls, type) and issubclass(cls, MockangoError)):
            cls = MockangoError
        error = cls(message, details=details)  # every MockangoError takes these two
        error.status = status
        if isinstance(error, LabelImportError):  # the only one with warnings (getattr in prepare_in_worker)
            error.warnings = warnings or []
        raise error


def prepare_body(
    projects: Projects, raw: bytes, base_url: str, organization_id: str | None = None, *, strict: bool = False
) -> WorkerAnswer:
    """Everything an import does before it writes, from its raw body; errors are part of the answer.

    ``organization_id`` limits it to that organization's projects (the in-thread path, which
    knows the user); the worker does not know the user, so the server checks afterwards.
    """
    answer = WorkerAnswer()
    try:
        project_id, labels = read_import_body(raw)
        answer.project_id = project_id
        project = projects.require(project_id, organization_id)
        answer.prepared = prepare_import(projects, project, labels, base_url, strict=strict)
    except MockangoError as exc:
        answer.error = (type(exc).__name__, exc.status, exc.message, exc.details, getattr(exc, "warnings", None))
    return answer


class Preparer(Protocol):
    """What prepares big import bodies in another process (:class:`~.import_worker.ImportWorker`)."""

    def wants(self, raw: bytes) -> bool: ...

    def prepare(self, raw: bytes, base_url: str, *, strict: bool = False) -> WorkerAnswer: ...


class LabelService:
    """Label imports into one host's projects."""

    def __init__(self, context: Context, worker: Preparer | None) -> None:
        self._context = context
        self._worker = worker
        self._projects = Projects(context.store)

    def store(self, prepared: PreparedImport, *, session_id: str | None = None) -> dict:
        """Store a prepared import in one transaction (all or nothing); the import's summary."""
        with self._context.store.write() as db:
            label_rows.store(db, prepared.project_id, prepared.rows, prepared.summary, session_id)
        self._context.notifier.publish(LabelsImported(prepared.project_id, session_id))
        return prepared.summary

    def import_labels(self, user: User, project_id: Any, labels: Any, *, session_id: str | None = None) -> dict:
        """Validate an import against the project; store all of it or nothing (see ``Hub.import_labels``)."""
        if not isinstance(project_id, str):
            raise InvalidRequest("'project' must be a project id string")
        project = self._context.scope(user).project(project_id)
        prepared = prepare_import(self._projects, project, labels, self._context.base_url, strict=self._context.strict)
        return self.store(prepared, session_id=session_id)

    def import_body(self, user: User, raw: bytes, *, session_id: str | None = None) -> dict:
        """``POST /v2/import/labels`` from its raw body (``{"project": ..., "jsonContent": [...]}``)."""
        answer = None
        if self._worker is not None and self._worker.wants(raw):
            try:
                answer = self._worker.prepare(raw, self._context.base_url, strict=self._context.strict)
                if answer.project_id is not None:
                    self._context.scope(user).project(answer.project_id)  # another organization's: not found
                answer.raise_error()
            except WorkerUnavailable as exc:
                logger.warning("%s; importing in the server instead", exc)
                answer = None
        if answer is None:
            answer = prepare_body(
                self._projects, raw, self._context.base_url, user.organization_id, strict=self._context.strict
            )
            answer.raise_error()
        if answer.prepared is None:  # raise_error() raised for every answer that prepared nothing
            raise InvalidRequest("the import could not be prepared")
        return self.store(answer.prepared, session_id=session_id)
