"""``validate_labels``: the one entry point the Hub, the HTTP layer and the CLI call.

Every item first goes through the hand-written structural check (``fast``); only
the items it refuses are run through jsonschema for the detailed report. The
project checks (``semantics``) run on every item either way, and are cheap when
nothing is wrong.
"""

from __future__ import annotations

from typing import Any

from .evidence import refuses
from .fast import item_ok
from .project import AssetIndex, OntologyIndex
from .report import Report
from .semantics import LabelChecker
from .structure import item_structure_issues, label_structure_issues

__all__ = ["validate_labels"]


def validate_labels(
    labels: Any,
    category_schema: dict[str, Any] | None,
    assets: list[dict[str, Any]],
    *,
    project_name: str | None = None,
    root: str = "jsonContent",
    fast_path: bool = True,
    project_asset_count: int | None = None,
    strict: bool = False,
) -> Report:
    """Check an import's ``jsonContent`` against a project's ontology and assets.

    Returns a :class:`Report` with every error and warning (paths start at ``root``),
    the matched asset ``_id``s per item, and the counts an import would store.
    ``fast_path=False`` runs jsonschema on every item (for tests and benchmarks);
    the report is the same either way. ``assets`` may be only those the items name (the
    Hub looks them up by index); ``project_asset_count`` then says how many the project has.
    A rule whose evidence is unknown (:mod:`.evidence`) reports a warning instead of an error unless ``strict``.
    """
    index = AssetIndex.build(assets)
    if project_asset_count is not None:
        index.count = project_asset_count
    checker = LabelChecker(OntologyIndex(category_schema), index, project_name, root, strict)
    report = Report(subject="label import" + (f" into project '{project_name}'" if project_name else ""))
    if not isinstance(labels, list):
        report.errors.extend(label_structure_issues(labels, root))
        report.counts = {"items": 0, "objects": 0, "classifications": 0, "relations": 0, "assets": 0}
        return report
    if not labels:
        checker.warn((), "empty_import", "the import is an empty list: nothing to store")

    errors = checker.errors
    matches: list[list[str | None]] = []
    n_items = n_obj = n_cls = n_rel = 0
    stored: set[int] = set()
    for i, item in enumerate(labels):
        before = len(errors)
        well_formed = item_ok(item) if fast_path else False
        if not well_formed:
            found = item_structure_issues(item, i, root)
            well_formed = not found
            for issue in found:
                (errors if refuses(issue.code, strict) else checker.warnings).append(issue)
        matched, objects, classifications, relations = checker.check_item(i, item, well_formed)
        if len(errors) != before:
            matches.append([])
            continue
        matches.append([a.get("_id") for a in matched])
        n_items += 1
        n_obj += objects
        n_cls += classifications
        n_rel += relations
        stored.update(map(id, matched))
    checker.finish(len(labels))
    report.errors = errors
    report.warnings = checker.warnings
    report.matches = matches
    report.counts = {
        "items": n_items,
        "objects": n_obj,
        "classifications": n_cls,
        "relations": n_rel,
        "assets": len(stored),
    }
    return report
