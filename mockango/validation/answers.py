"""One reader of a task's answer, for both ways it arrives: a Model plugin's socket/REST answer and ``POST /v2/annotate``.

An answer is ``{objects, classifications, relations}`` (1.1.x clients name the objects ``tools``, as a task's
answer shows them). It always belongs to one asset, the task's: ``externalId`` and ``data`` in it are accepted
and do not redirect it (1.3.22's Model merge adds ``externalId`` to every answer it posts; the vendor's older
sample answered ``{data, answer}``). Any other key is ignored with an ``answer_unknown_key`` warning (refused
in strict mode): what the real host does with it is not known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .api import validate_labels
from .evidence import refuses
from .paths import format_path, show
from .report import Issue

__all__ = ["AnswerCheck", "check_answer", "read_answer"]

PARTS = ("objects", "classifications", "relations")
_CARRIED = {"externalId", "data"}  # name the asset; the answer stays the task's


@dataclass
class AnswerCheck:
    """What an answer would store (``stored``), and every error and warning, with paths under its root."""

    stored: dict[str, list] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_answer(answer: Any, root: str, *, strict: bool = False) -> AnswerCheck:
    """The parts of ``answer`` (lists, as sent; their content is checked by :func:`check_answer`)."""
    check = AnswerCheck()
    if not isinstance(answer, Mapping):
        check.errors.append(
            Issue(
                root,
                "answer_not_object",
                f"{show(answer)} is not an object: an answer is an object with "
                "'objects', 'classifications' and 'relations'",
            )
        )
        return check
    if "tools" in answer and "objects" not in answer:
        answer = {("objects" if key == "tools" else key): value for key, value in answer.items()}
    for key in answer:
        if key in PARTS or key in _CARRIED:
            continue
        issue = Issue(
            format_path(root, (key,)),
            "answer_unknown_key",
            f"unknown key {show(key)}: an answer holds objects, classifications and relations",
        )
        (check.errors if refuses("answer_unknown_key", strict) else check.warnings).append(issue)
    check.stored = {key: answer.get(key) or [] for key in PARTS}
    return check


def check_answer(
    answer: Any,
    asset: Mapping[str, Any],
    category_schema: dict | None,
    *,
    root: str,
    project_name: str | None = None,
    strict: bool = False,
) -> AnswerCheck:
    """Read ``answer`` and check it against the ontology and its ``asset`` (``_id``, ``externalId``, ``data``,
    ``metadata``) as a one-item import would be; paths start at ``root`` (``answer``, ``response``, ...)."""
    check = read_answer(answer, root, strict=strict)
    if check.errors and not check.stored:
        return check
    reference = {key: asset.get(key) for key in ("_id", "externalId", "data", "metadata")}
    if isinstance(answer, Mapping):
        for key in ("externalId", "data"):
            if key in answer and answer[key] != reference[key]:
                check.warnings.append(
                    Issue(
                        format_path(root, (key,)),
                        "answer_other_asset",
                        f"{key} {show(answer[key])} is not the task's asset ({key} {show(reference[key])}): "
                        "the answer is stored on the task's asset",
                    )
                )
    report = validate_labels(
        [{"externalId": reference["externalId"], **check.stored}],
        category_schema,
        [reference],
        project_name=project_name,
        root=root,
        strict=strict,
    )
    prefix = f"{root}[0]"

    def moved(issue: Issue) -> Issue:
        path = root + issue.path[len(prefix) :] if issue.path.startswith(prefix) else issue.path
        return Issue(path, issue.code, issue.message)

    check.errors += [moved(i) for i in report.errors]
    check.warnings += [moved(i) for i in report.warnings]
    return check
