"""What a run event holds: the class mapping, the config string and the batches.

The rules of Hub's Run dialog, as plain functions: each refuses bad input with
:class:`~mockango.errors.InvalidRequest` naming what was wrong, before anything starts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from .. import input_limits
from ..errors import InvalidRequest
from ..input_limits import MAX_FREE_FORM_BYTES
from ..models import Plugin, Project


def category_schema_for(plugin: Plugin, project: Project, class_mapping: Mapping | None) -> list[dict] | None:
    if class_mapping is None:
        return None
    if not isinstance(class_mapping, Mapping):
        raise InvalidRequest("'classMapping' must be an object of model class -> tool schemaId or title")
    tools = project.tools()
    mapping = []
    for model_class, target in class_mapping.items():
        if model_class not in plugin.class_names:
            raise InvalidRequest(
                f"class '{model_class}' is not one of the classes of plugin '{plugin.name}': {plugin.class_names}"
            )
        by_id = [t for t in tools if t.get("schemaId") == target]
        by_title = [t for t in tools if t.get("title") == target]
        found = by_id or by_title
        if not found:
            choices = ", ".join(f"{t.get('title')} ({t.get('schemaId')})" for t in tools) or "none"
            raise InvalidRequest(
                f"class '{model_class}' is mapped to '{target}', which is not a tool of "
                f"project '{project.name}' (tools: {choices})"
            )
        if len(found) > 1:
            raise InvalidRequest(
                f"'{target}' names {len(found)} tools of project '{project.name}': map the class to a schemaId instead"
            )
        mapping.append({"schemaId": found[0]["schemaId"], "modelClass": model_class})
    return mapping or None


def config_json_for(plugin: Plugin, config: Any) -> str:
    if config is None:
        config = plugin.default_config if plugin.default_config is not None else {}
    if isinstance(config, str):
        parse_config(config, "config")
        return config
    input_limits.check_free_form(config, "config")
    return input_limits.dumps(config)


def batch_ids_for(project: Project, batches: Iterable[str] | None) -> list[str]:
    if batches is None:
        return []
    if isinstance(batches, str) or not isinstance(batches, Iterable):
        raise InvalidRequest("'batches' must be a list of batch names or ids")
    batches = list(batches)
    ids = []
    known_ids, by_name = project.named_batches(batches)
    for item in batches:
        if item in known_ids:
            ids.append(item)
        elif item in by_name:
            ids.append(by_name[item])
        else:
            known = ", ".join(f"{b.name} ({b.id})" for b in project.batches) or "none"
            raise InvalidRequest(f"batch '{item}' is not a batch of project '{project.name}' (batches: {known})")
    return ids


def parse_config(text: str, name: str) -> Any:
    if len(text) > MAX_FREE_FORM_BYTES:
        raise InvalidRequest(f"'{name}' is {len(text):,} characters long; the limit is {MAX_FREE_FORM_BYTES:,}")
    return input_limits.loads(text, where=f"'{name}'")


MAX_TIME_LIMIT = 24 * 3600.0
"""Longest run time limit accepted, in seconds (a day)."""


def time_limit_for(timeout: Any, default: float) -> float:
    """A run's time limit in seconds: ``default`` when ``timeout`` is None, else a positive finite number.

    A NaN limit would never be reached and a waiter would spin on it; refuse it here.
    """
    if timeout is None:
        return default
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidRequest(f"a run's time limit ('timeout') must be a number of seconds, got {timeout!r}")
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_TIME_LIMIT):
        raise InvalidRequest(
            f"a run's time limit ('timeout') must be more than 0 and at most "
            f"{MAX_TIME_LIMIT:g} seconds, got {timeout!r}"
        )
    return float(timeout)
