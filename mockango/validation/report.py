"""The answer of a validation: every issue found, plus what an import would store.

One report carries errors (which block the import) and warnings (which the real
host accepts but are probably mistakes), so the Hub, the HTTP layer and the CLI
can all render the same result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Issue", "Report", "LabelValidationError"]

_SUMMARY_ISSUES = 3


@dataclass(frozen=True)
class Issue:
    """One finding: where (a JSON path into the request), what (a stable code), and why."""

    path: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: [{self.code}] {self.message}"


@dataclass
class Report:
    """Result of :func:`validate_labels` (or :func:`validate_ontology`).

    ``matches`` holds, per item, the ``_id`` of every asset it applies to (empty for
    an item with errors); ``counts`` what an import would store.
    """

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    matches: list[list[str | None]] = field(default_factory=list)  # None: an asset given without _id
    counts: dict[str, int] = field(default_factory=dict)
    subject: str = "label import"

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": [issue.to_dict() for issue in self.errors],
            "warnings": [issue.to_dict() for issue in self.warnings],
            "counts": dict(self.counts),
        }

    def summary(self) -> str:
        """One line: the outcome and the counts."""
        head = f"{self.subject}: {_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')}"
        if not self.counts:
            return head
        if not self.ok:
            if self.matches:
                bad = sum(1 for m in self.matches if not m)
                return f"{head}; nothing would be stored ({bad:,} of {_plural(len(self.matches), 'item')} refused)"
            return f"{head}; nothing would be stored"
        if self.subject.startswith("label import"):
            c = self.counts
            return (
                f"{head}; would store {_plural(c.get('items', 0), 'item')}: "
                f"{_plural(c.get('objects', 0), 'object')}, {_plural(c.get('classifications', 0), 'classification')}"
                f" and {_plural(c.get('relations', 0), 'relation')} on {_plural(c.get('assets', 0), 'asset')}"
            )
        parts = ", ".join(f"{_plural(n, _singular(key))}" for key, n in self.counts.items())
        return f"{head}; {parts}"

    def format(self, limit: int | None = 50) -> str:
        """Human-readable, one issue per line, for the CLI. ``limit`` caps each list."""
        lines = [self.summary()]
        for title, issues in (("error", self.errors), ("warning", self.warnings)):
            shown = issues if limit is None else issues[:limit]
            for issue in shown:
                lines.append(f"{title:<7} {issue.path}  [{issue.code}]  {issue.message}")
            if len(shown) < len(issues):
                lines.append(f"{title:<7} … and {len(issues) - len(shown)} more")
        return "\n".join(lines)

    def raise_for_errors(self) -> None:
        """Raise :class:`LabelValidationError` when there is any error."""
        if self.errors:
            raise LabelValidationError(self)


class LabelValidationError(Exception):
    """Raised by :meth:`Report.raise_for_errors`; ``.report`` holds the whole report."""

    def __init__(self, report: Report) -> None:
        self.report = report
        first = "; ".join(str(issue) for issue in report.errors[:_SUMMARY_ISSUES])
        more = len(report.errors) - _SUMMARY_ISSUES
        tail = f"; … and {more} more" if more > 0 else ""
        super().__init__(f"{_plural(len(report.errors), 'error')} in {report.subject}: {first}{tail}")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


_SINGULAR = {
    "items": "item",
    "objects": "object",
    "classifications": "classification",
    "relations": "relation",
    "assets": "asset",
    "tools": "tool",
}


def _singular(key: str) -> str:
    return _SINGULAR.get(key, key)
