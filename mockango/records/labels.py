"""Label imports: validate against the assets the items name (one indexed query), store in one transaction.

Labels live on their asset row (``assets.labels``, see :mod:`.projects`): this module owns no table.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import models
from ..errors import LabelImportError
from ..models import Project
from .values import to_json

if TYPE_CHECKING:
    from ..hub import Hub

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


def import_labels(hub: Hub, project: Project, labels: Any, *, session_id: str | None = None) -> dict:
    """Validate ``labels`` against the assets they name, then store them in one transaction."""
    from ..validation import validate_labels

    external_ids, data_urls = _references(labels)
    assets = hub.projects.named_by(project.id, external_ids, data_urls, hub.base_url)
    report = validate_labels(labels, project.category_schema, assets, project_name=project.name,
                             project_asset_count=project.asset_count)
    if not report.ok and project.asset_count <= HINT_PROJECT_LIMIT and any(
            issue.code == "unknown_asset" for issue in report.errors):
        # Refused anyway: spend one read of this small project on "did you mean" hints.
        everything = [{"_id": a["_id"], "externalId": a["externalId"], "data": a["data"], "metadata": a["metadata"]}
                      for a in hub.projects.iter_assets(project.id, hub.base_url, with_labels=False)]
        report = validate_labels(labels, project.category_schema, everything, project_name=project.name)
    if not report.ok:
        errors = [issue.to_dict() for issue in report.errors]
        shown = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise LabelImportError(f"{len(errors)} error(s) in the import, nothing was stored: {shown}{more}",
                               details=errors, warnings=[w.to_dict() for w in report.warnings])
    updates = []
    for index, (item, asset_ids) in enumerate(zip(labels, report.matches)):
        if asset_ids:
            text = to_json(item, f"jsonContent[{index}]")
            updates.extend((text, session_id, asset_id) for asset_id in asset_ids)
    summary = {**report.counts, "warnings": [w.to_dict() for w in report.warnings]}
    touched = json.dumps(sorted({update[2] for update in updates}))
    with hub.store.write() as db:
        newly = db.execute("SELECT count(*) FROM assets WHERE id IN (SELECT value FROM json_each(?)) "
                           "AND pre_labeled = 0", (touched,)).fetchone()[0]
        db.executemany("UPDATE assets SET labels = ?, labeled_by_session = ?, pre_labeled = 1 WHERE id = ?", updates)
        if newly:
            db.execute("UPDATE projects SET pre_labeled_count = pre_labeled_count + ? WHERE id = ?",
                       (newly, project.id))
        if session_id is not None and db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
            db.execute("INSERT INTO session_imports (session_id, seq, entry) VALUES (?, "
                       "(SELECT coalesce(max(seq) + 1, 0) FROM session_imports WHERE session_id = ?), ?)",
                       (session_id, session_id, json.dumps({"time": models.iso_time(time.time()), **summary})))
    return summary
