"""Detailed structural errors: jsonschema's findings, re-worded for a plugin developer.

Each jsonschema error becomes an :class:`Issue` with a stable code and a message
saying what came and what was expected ("-5 is less than 0: a bounding-box width
must be >= 0"). Only items the fast check refused get here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .numbers import is_number
from .paths import format_path, show
from .report import Issue
from .schemas import item_validator, labels_validator

__all__ = ["label_structure_issues", "item_structure_issues", "schema_issues", "describe"]

GEOMETRY_KEYS = frozenset(
    {"bounding-box", "rotated-bounding-box", "polygon", "polyline", "point", "ner", "pdf", "segmentation", "pct"}
)
_POINT_LISTS = frozenset({"polygon", "polyline", "region"})
_CONTAINERS = {
    "objects": "object",
    "classifications": "classification",
    "relations": "relation",
    "tools": "tool",
    "options": "option",
    "treeOptions": "tree node",
    "children": "tree node",
}
_TYPE_WORDS = {
    "number": "a finite number",
    "integer": "an integer",
    "string": "a string",
    "array": "a list",
    "object": "an object",
    "boolean": "true or false",
    "null": "null",
}
_REQUIRED_HINT = {
    "bounding-box": "x, y, width and height",
    "rotated-bounding-box": "x, y, width, height and rotation",
    "ner": "start and end",
    "pdf": "x1, y1, x2, y2 and pageNumber",
    "segmentation": "zones",
    "region": "a region (a list of [x, y] points)",
}


def _article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def describe(parts: Sequence[object]) -> str:
    """What sits at ``parts`` (a path below the root), e.g. ``a bounding-box width``."""
    if not parts:
        return "the whole import"
    # The innermost container (item, object, classification, ...) and what follows it.
    noun, rest = "item", list(parts[1:]) if isinstance(parts[0], int) else list(parts)
    if not isinstance(parts[0], int):
        noun = "categorySchema" if parts[0] in ("tools", "classifications", "relations") else "import"
    i = 0
    while i < len(rest):
        key = rest[i]
        if key in _CONTAINERS and i + 1 < len(rest) and isinstance(rest[i + 1], int):
            word = _CONTAINERS[key]
            if word == "classification" and noun in ("object", "classification", "nested classification", "tool"):
                word = "nested classification"
            noun, rest, i = word, rest[i + 2 :], 0
            continue
        i += 1
    if not rest:
        return _article(noun)
    head = rest[0]
    if noun == "object" and head in GEOMETRY_KEYS:
        if rest[-1] in ("zones", "holes"):
            return f"the {rest[-1]} of {_article(_geometry_words(str(head), rest[1:-1]))}"
        return _article(_geometry_words(str(head), rest[1:]))
    words = [f"'{p}'" if isinstance(p, str) else "" for p in rest]
    field = " ".join(w for w in words if w)
    owner = f"{_article(noun)}'s {field}"
    if isinstance(rest[-1], int):
        return f"an entry of {owner}"
    return owner


def _geometry_words(geometry: str, rest: Sequence[object]) -> str:
    words = [geometry]
    state = "coordinate" if geometry == "point" else "point" if geometry in _POINT_LISTS else None
    i = 0
    while i < len(rest):
        part = rest[i]
        if isinstance(part, str):
            if part in ("zones", "holes") and i + 1 < len(rest) and isinstance(rest[i + 1], int):
                words.append(part[:-1])
                state = "point" if part == "holes" else None
                i += 2
                continue
            words.append(part)
            state = "point" if part == "region" else None
        elif state == "point":
            words.append("point")
            state = "coordinate"
        elif state == "coordinate":
            words.append("coordinate")
            state = None
        else:
            words.append("entry")
        i += 1
    return " ".join(words)


def _unit(parts: Sequence[object]) -> str:
    last = parts[-1] if parts else None
    if last == "point" or describe(parts).endswith(" point"):
        return "coordinate"
    if last in _POINT_LISTS or (len(parts) >= 2 and parts[-2] == "holes"):
        return "point"
    if last == "zones":
        return "zone"
    if last == "group":
        return "objectId"
    return "entry"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number" if is_number(value) else "not finite"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a Python {type(value).__name__}"


def _expected_types(types: str | Sequence[str]) -> str:
    if isinstance(types, str):
        return _TYPE_WORDS.get(types, types)
    words = [_TYPE_WORDS.get(t, t) for t in types]
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]


def _plural(n: int, unit: str) -> str:
    if n == 1:
        return f"{n} {unit}"
    return f"{n} {unit[:-1]}ies" if unit.endswith("y") else f"{n} {unit}s"


def _translate(error: ValidationError, root: str, prefix: tuple) -> Issue:
    rel = tuple(error.absolute_path)
    parts = prefix + rel
    what = describe(parts)
    # iter_errors() always sets these (the stubs also allow jsonschema's "unset" marker).
    v: Any = error.instance
    expected: Any = error.validator_value
    kw = error.validator
    path = format_path(root, parts)
    if kw == "type":
        return Issue(path, "type", f"{show(v)} is {_kind(v)}: {what} must be {_expected_types(expected)}")
    if kw == "minimum":
        return Issue(path, "too_small", f"{show(v)} is less than {expected}: {what} must be >= {expected}")
    if kw == "minItems":
        unit = _unit(parts)
        return Issue(path, "too_few", f"{_plural(len(v), unit)}: {what} needs at least {_plural(expected, unit)}")
    if kw == "maxItems":
        unit = _unit(parts)
        extra = " ([x, y])" if parts and parts[-1] == "point" else ""
        return Issue(
            path, "too_many", f"{_plural(len(v), unit)}: {what} takes at most {_plural(expected, unit)}{extra}"
        )
    if kw == "pattern":
        return Issue(
            path,
            "invalid_url",
            f"{show(v)} is not a URL: {what} must start with http://, https://, s3://, gs:// or data:",
        )
    if kw == "required":
        key = _missing_key(error)
        hint = _REQUIRED_HINT.get(str(parts[-1]) if parts else "", None)
        need = f"{what} needs {hint}" if hint else f"{what} needs '{key}'"
        return Issue(format_path(root, parts + (key,)), "required", f"'{key}' is missing: {need}")
    if kw == "anyOf":
        keys = [k for sub in expected for k in sub.get("required", ())]
        if len(keys) == 2:
            a, b = keys
            if a == "externalId":
                need, code = f"{what} must name its asset by one of them", "required"
            else:
                need, code = f"{what} must name its schemaId (or, discouraged, its title)", "no_schema_id"
            return Issue(path, code, f"neither '{a}' nor '{b}' is present: {need}{_near_miss(v, keys)}")
    if kw == "enum":
        allowed = ", ".join(str(x) for x in expected)
        return Issue(path, "invalid_value", f"{show(v)} is not known: {what} must be one of {allowed}")
    if kw == "minLength":
        return Issue(path, "empty", f"{show(v)} is empty: {what} must not be empty")
    return Issue(path, "schema", f"{what}: {error.message}")


def _missing_key(error: ValidationError) -> str:
    text = error.message.split(" is a required property")[0]
    try:
        return str(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return text


def _near_miss(instance: object, keys: list[str]) -> str:
    if not isinstance(instance, dict):
        return ""
    wanted = {k.lower().replace("_", "").replace("-", ""): k for k in keys}
    for present in instance:
        if isinstance(present, str):
            norm = present.lower().replace("_", "").replace("-", "")
            if norm in wanted and present != wanted[norm]:
                return f" (found '{present}': did you mean '{wanted[norm]}'?)"
    return ""


def schema_issues(validator: Draft202012Validator, instance: object, root: str, prefix: tuple = ()) -> Iterator[Issue]:
    """Every error ``validator`` finds in ``instance``, as issues with paths under ``root``."""
    for error in validator.iter_errors(instance):
        yield _translate(error, root, prefix)


def item_structure_issues(item: object, index: int, root: str) -> list[Issue]:
    return list(schema_issues(item_validator(), item, root, (index,)))


def label_structure_issues(labels: object, root: str) -> list[Issue]:
    """Whole-import structural issues via jsonschema (the detailed, slow path)."""
    return list(schema_issues(labels_validator(), labels, root))
