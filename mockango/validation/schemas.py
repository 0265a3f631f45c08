"""The published JSON Schema files and their compiled validators (one per process).

The validators extend Draft 2020-12 with finite-only numbers (see ``numbers``).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any

from jsonschema import Draft202012Validator, validators

from .numbers import is_integer, is_number

__all__ = ["load_schema", "labels_validator", "item_validator", "ontology_validator"]

_TYPE_CHECKER = Draft202012Validator.TYPE_CHECKER.redefine_many(
    {"number": lambda _checker, value: is_number(value), "integer": lambda _checker, value: is_integer(value)}
)
FiniteValidator = validators.extend(Draft202012Validator, type_checker=_TYPE_CHECKER)


@functools.cache
def _schema_text(name: str) -> str:
    return importlib.resources.files("mockango.schemas").joinpath(name).read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """A fresh copy of ``mockango/schemas/<name>`` (e.g. ``"labels.schema.json"``)."""
    return json.loads(_schema_text(name))


@functools.cache
def labels_validator() -> Draft202012Validator:
    return FiniteValidator(load_schema("labels.schema.json"))


@functools.cache
def item_validator() -> Draft202012Validator:
    """Validates one item, so that only the items the fast check refused pay for jsonschema."""
    schema = load_schema("labels.schema.json")
    return FiniteValidator({"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/item"})


@functools.cache
def ontology_validator() -> Draft202012Validator:
    return FiniteValidator(load_schema("ontology.schema.json"))
