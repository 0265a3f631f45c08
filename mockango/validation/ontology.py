"""``validate_ontology``: refuse a categorySchema that labels could not be checked against.

Structure comes from ``ontology.schema.json``; on top of it, schemaIds must be
unique across the whole ontology (options included), option values unique within
a classification, and ``parentOptionId`` must name an option of the parent.
Duplicate titles are only a warning: the real host allows them, but title-based
imports become ambiguous.
"""

from __future__ import annotations

from typing import Any

from .evidence import refuses
from .paths import format_path, show
from .project import CHOICE_TYPES, MULTI_TYPES
from .report import Issue, Report
from .schemas import ontology_validator
from .structure import schema_issues

__all__ = ["validate_ontology"]


def validate_ontology(category_schema: Any, *, root: str = "categorySchema", strict: bool = False) -> Report:
    """Check a project ontology (``{"tools", "classifications", "relations"}``).

    A rule whose evidence is unknown (:mod:`.evidence`) reports a warning instead of an error unless ``strict``.
    """
    report = Report(subject="ontology")
    for issue in schema_issues(ontology_validator(), category_schema, root):
        (report.errors if refuses(issue.code, strict) else report.warnings).append(issue)
    counts = {"tools": 0, "classifications": 0, "relations": 0}
    if isinstance(category_schema, dict):
        walker = _Walker(root, report, strict)
        for key in counts:
            nodes = category_schema.get(key)
            if isinstance(nodes, list):
                counts[key] = len(nodes)
                walker.entries((key,), nodes, key[:-1], None)
                walker.titles((key,), nodes, key[:-1])
    report.counts = counts
    return report


class _Walker:
    def __init__(self, root: str, report: Report, strict: bool) -> None:
        self.root = root
        self.report = report
        self.strict = strict
        self.seen: dict[str, tuple] = {}

    def _issue(self, parts: tuple, code: str, message: str, warning: bool = False) -> None:
        blocks = not warning and refuses(code, self.strict)
        target = self.report.errors if blocks else self.report.warnings
        target.append(Issue(format_path(self.root, parts), code, message))

    def _claim(self, parts: tuple, sid: Any, what: str) -> None:
        if not isinstance(sid, str) or not sid:
            return
        first = self.seen.setdefault(sid, parts)
        if first != parts:
            self._issue(
                parts + ("schemaId",),
                "duplicate_schema_id",
                f"schemaId {show(sid)} of this {what} is already used at {format_path(self.root, first)}: "
                "schemaIds must be unique across the whole ontology",
            )

    def entries(self, parts: tuple, nodes: list, kind: str, parent: dict | None) -> None:
        for n, node in enumerate(nodes):
            if not isinstance(node, dict):
                continue
            here = parts + (n,)
            self._claim(here, node.get("schemaId"), kind)
            title = node.get("title") if isinstance(node.get("title"), str) else node.get("schemaId")
            type_ = node.get("tool")
            listed = node.get("options")
            options = listed if isinstance(listed, list) else []
            values: dict[str, int] = {}
            for k, option in enumerate(options):
                if not isinstance(option, dict):
                    continue
                self._claim(here + ("options", k), option.get("schemaId"), "option")
                value = option.get("value")
                if isinstance(value, str):
                    if value in values:
                        self._issue(
                            here + ("options", k, "value"),
                            "duplicate_option",
                            f"option value {show(value)} appears twice in {kind} {show(title)}: "
                            "answers could not tell them apart",
                        )
                    values.setdefault(value, k)
            if kind == "classification" and (type_ in CHOICE_TYPES or type_ in MULTI_TYPES) and not options:
                self._issue(
                    here,
                    "no_options",
                    f"{type_} classification {show(title)} has no options: no answer can be valid",
                    warning=True,
                )
            if type_ == "tree-dropdown" and not node.get("treeOptions"):
                self._issue(
                    here,
                    "no_options",
                    f"tree-dropdown {show(title)} has no treeOptions: no answer can be valid",
                    warning=True,
                )
            parent_option = node.get("parentOptionId")
            if isinstance(parent_option, str):
                parent_ids = _option_ids(parent) if parent is not None else set()
                if parent_option not in parent_ids:
                    where = (
                        "it is not nested"
                        if parent is None
                        else f"the options of {show(parent.get('title'))} are {sorted(parent_ids) or 'none'}"
                    )
                    self._issue(
                        here + ("parentOptionId",),
                        "unknown_option",
                        f"parentOptionId {show(parent_option)} is not an option of the parent ({where})",
                    )
            nested = node.get("classifications")
            if isinstance(nested, list):
                self.entries(here + ("classifications",), nested, "classification", node)
                self.titles(here + ("classifications",), nested, "classification")

    def titles(self, parts: tuple, nodes: list, kind: str) -> None:
        first: dict[str, int] = {}
        for n, node in enumerate(nodes):
            title = node.get("title") if isinstance(node, dict) else None
            if not isinstance(title, str):
                continue
            if title in first:
                self._issue(
                    parts + (n, "title"),
                    "duplicate_title",
                    f"title {show(title)} is also the title of {format_path(self.root, parts + (first[title],))}: "
                    f"labels that name a {kind} by title would be ambiguous",
                    warning=True,
                )
            first.setdefault(title, n)


def _option_ids(node: dict) -> set[str]:
    out: set[str] = set()
    for option in node.get("options") or ():
        if isinstance(option, dict):
            out |= {v for v in (option.get("schemaId"), option.get("value")) if isinstance(v, str)}
    return out
