"""Label imports: validate against the assets the items name (one indexed query), store in one transaction.

Labels live on their asset row (``assets.labels``, see :mod:`.projects`): this module owns no table.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import models
from ..errors import LabelImportError
from ..models import Project
from .values import to_json

if TYPE_CHECKING:
    from ..hub import Hub
    from ..store import Store
    from .projects import Projects

SCHEMA = ""

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


def prepare_import(projects: Projects, project: Project, labels: Any, base_url: str) -> PreparedImport:
    """Validate ``labels`` against the assets they name: everything an import does before it writes.

    Only reads (one indexed query for the named assets), so it can run in any process that
    can read the store. Raises :class:`LabelImportError` with every error (JSON paths).
    """
    from ..validation import validate_labels

    external_ids, data_urls = _references(labels)
    assets = projects.named_by(project.id, external_ids, data_urls, base_url)
    report = validate_labels(
        labels, project.category_schema, assets, project_name=project.name, project_asset_count=project.asset_count
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
        report = validate_labels(labels, project.category_schema, everything, project_name=project.name)
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


def store_import(store: Store, prepared: PreparedImport, *, session_id: str | None = None) -> dict:
    """Store a prepared import in one transaction (all or nothing); the import's summary."""
    summary = prepared.summary
    with store.write() as db:
        # One statement each: SQLite runs them without the GIL, however many rows the import has.
        newly = db.execute(
            "SELECT count(*) FROM assets WHERE pre_labeled = 0 AND id IN "
            "(SELECT json_extract(value, '$[0]') FROM json_each(?))",
            (prepared.rows,),
        ).fetchone()[0]
        db.execute(
            "UPDATE assets SET labels = json_extract(row.value, '$[1]'), labeled_by_session = ?, "
            "pre_labeled = 1 FROM json_each(?) AS row WHERE assets.id = json_extract(row.value, '$[0]')",
            (session_id, prepared.rows),
        )
        if newly:
            db.execute(
                "UPDATE projects SET pre_labeled_count = pre_labeled_count + ? WHERE id = ?",
                (newly, prepared.project_id),
            )
        if session_id is not None and db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
            db.execute(
                "INSERT INTO session_imports (session_id, seq, entry) VALUES (?, "
                "(SELECT coalesce(max(seq) + 1, 0) FROM session_imports WHERE session_id = ?), ?)",
                (session_id, session_id, json.dumps({"time": models.iso_time(time.time()), **summary})),
            )
    return summary


def import_labels(hub: Hub, project: Project, labels: Any, *, session_id: str | None = None) -> dict:
    """Validate ``labels`` against the assets they name, then store them in one transaction."""
    prepared = prepare_import(hub.projects, project, labels, hub.base_url)
    return store_import(hub.store, prepared, session_id=session_id)
