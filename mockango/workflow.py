"""Workflow stages: the path a project's tasks take from Start to Complete.

A project's workflow is a list of stages ``{"id", "name", "type", "next": [stage ids]}``
(the shape of Ango Hub's ``project.stages``). The default is Start -> Label -> Review
-> Complete; a Review stage's ``next`` is ``[accepted, rejected]``. ``Plugin`` stages
name the plugin that works on the tasks reaching them (``pluginId``).

Plain functions over plain data: the task module applies them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .errors import InvalidRequest

START, LABEL, REVIEW, COMPLETE, PLUGIN = "Start", "Label", "Review", "Complete", "Plugin"
STAGE_TYPES = (START, LABEL, REVIEW, PLUGIN, COMPLETE, "Logic", "Webhook", "Archive", "Consensus", "Hold")
"""Stage types Ango Hub knows (imerit_ango.models.enums.StageType)."""
WORK_TYPES = (LABEL, REVIEW, PLUGIN, "Consensus", "Hold", "Logic", "Webhook")
"""Stages a task waits in; Start passes its tasks on at once, Complete and Archive end them."""


def default_stages() -> list[dict]:
    return [
        {"id": START, "name": START, "type": START, "next": [LABEL]},
        {"id": LABEL, "name": LABEL, "type": LABEL, "next": [REVIEW]},
        {"id": REVIEW, "name": REVIEW, "type": REVIEW, "next": [COMPLETE, LABEL]},
        {"id": COMPLETE, "name": COMPLETE, "type": COMPLETE, "next": []},
    ]


def check_stages(stages: Any, *, where: str = "stages") -> list[dict]:
    """A workflow the task rules can follow, or :class:`InvalidRequest` naming the bad field."""
    if not isinstance(stages, list) or not stages:
        raise InvalidRequest(f"{where} must be a non-empty list of stages")
    checked: list[dict] = []
    ids: set[str] = set()
    for index, stage in enumerate(stages):
        path = f"{where}[{index}]"
        if not isinstance(stage, Mapping):
            raise InvalidRequest(f"{path} must be an object with 'id', 'type' and 'next'")
        stage_id, kind = stage.get("id"), stage.get("type")
        if not isinstance(stage_id, str) or not stage_id:
            raise InvalidRequest(f"{path}.id must be a non-empty string")
        if stage_id in ids:
            raise InvalidRequest(f"{path}.id '{stage_id}' is used by another stage")
        if kind not in STAGE_TYPES:
            raise InvalidRequest(f"{path}.type must be one of {list(STAGE_TYPES)}, got {kind!r}")
        following = stage.get("next", [])
        if not isinstance(following, list) or not all(isinstance(n, str) for n in following):
            raise InvalidRequest(f"{path}.next must be a list of stage ids")
        if kind == PLUGIN and not isinstance(stage.get("pluginId"), str):
            raise InvalidRequest(f"{path}.pluginId must name the plugin of this Plugin stage")
        ids.add(stage_id)
        checked.append({**copy.deepcopy(dict(stage)), "name": stage.get("name") or stage_id, "next": list(following)})
    for index, stage in enumerate(checked):
        for n, target in enumerate(stage["next"]):
            if target not in ids:
                raise InvalidRequest(f"{where}[{index}].next[{n}] names no stage of this workflow: '{target}'")
    starts = [s for s in checked if s["type"] == START]
    if len(starts) != 1:
        raise InvalidRequest(f"{where} must have exactly one Start stage, found {len(starts)}")
    if not starts[0]["next"]:
        raise InvalidRequest(f"{where}: the Start stage must lead somewhere ('next')")
    return checked


def stage_by_id(stages: list[dict], stage_id: str) -> dict | None:
    for stage in stages:
        if stage["id"] == stage_id:
            return stage
    return None


def first_work_stage(stages: list[dict]) -> str:
    """Where a new task waits: the stage Start leads to."""
    start = next(s for s in stages if s["type"] == START)
    return start["next"][0]


def next_stage(stages: list[dict], stage_id: str, *, rejected: bool = False) -> str | None:
    """Where a task goes when its current stage is done (a Review's second exit when rejected)."""
    stage = stage_by_id(stages, stage_id)
    if stage is None or not stage["next"]:
        return None
    if rejected and len(stage["next"]) > 1:
        return stage["next"][1]
    return stage["next"][0]


def status_at(stages: list[dict], stage_id: str) -> str:
    """A task's status at a stage: ``Completed`` at a Complete stage, else ``TODO``."""
    stage = stage_by_id(stages, stage_id)
    return "Completed" if stage is not None and stage["type"] in (COMPLETE, "Archive") else "TODO"
