"""Model plugins: one asset per run; the callback's annotation goes back to the host.

Event (ango 1.4.10): ``assetId``, ``dataURL``, ``taskId``, ``overwrite`` (default true),
``workflow``, plus the common fields. Without ``workflow`` the answer goes back as the
run's response (``{"response": {objects, classifications, relations}, "session"}``); in
workflow mode the plugin submits it itself with ``POST /v2/annotate/{taskId}`` (next
stage, as a plugin) and sends no response: that call is what ends the run on the host.
With ``overwrite`` false the task's current answer (``GET /v2/task/{taskId}``) is kept
beside the new one, as the official client does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .plugin import Plugin

ANSWER_KEYS = ("objects", "classifications", "relations")


@dataclass
class Answer:
    """An annotation: objects (with geometry), classifications and relations, in the import format."""

    objects: list[dict] = field(default_factory=list)
    classifications: list[dict] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "objects": list(self.objects),
            "classifications": list(self.classifications),
            "relations": list(self.relations),
        }

    toDict = to_dict  # the official client's spelling, so code written for it runs unchanged


@dataclass
class AnnotationPayload:
    """What a Model callback may return: the answer plus URLs of uploaded brush masks."""

    answer: Answer | dict | None = None
    brush_data_url: str | None = None
    medical_brush_data_url: str | None = None


def answer_from(result: Any) -> dict:
    """The answer dict in whatever shape a Model callback returned it.

    Accepted: :class:`AnnotationPayload` (or any object with ``answer``), :class:`Answer`
    (or any object with ``toDict``), ``{"answer": {...}}`` (the vendor's sample) and
    ``{"objects": ..., "classifications": ..., "relations": ...}``.
    """
    if result is None:
        raise TypeError(
            "the Model callback returned None: return an Answer, an AnnotationPayload or a dict "
            "with 'objects', 'classifications' and 'relations'"
        )
    if isinstance(result, Mapping) and isinstance(result.get("answer"), Mapping):
        result = result["answer"]
    elif not isinstance(result, Mapping) and hasattr(result, "answer"):
        result = result.answer if result.answer is not None else Answer()
    if not isinstance(result, Mapping):
        to_dict = getattr(result, "to_dict", None) or getattr(result, "toDict", None)
        if to_dict is None:
            raise TypeError(
                f"the Model callback returned {type(result).__name__}, which is not an answer: return "
                "an Answer, an AnnotationPayload or a dict with 'objects', 'classifications', 'relations'"
            )
        result = to_dict()
    unknown = sorted(set(result) - set(ANSWER_KEYS))
    if unknown:
        raise TypeError(
            f"the Model callback's answer has keys {unknown} that are not part of an answer: use {list(ANSWER_KEYS)}"
        )
    return {key: list(result.get(key) or []) for key in ANSWER_KEYS}


def merged(existing: Mapping | None, new: dict) -> dict:
    """``new`` plus what the task already holds: its objects and relations, and its
    classifications whose schemaId ``new`` does not answer (what overwrite=false means)."""
    existing = existing or {}
    answered = {c.get("schemaId") for c in new["classifications"]}
    return {
        "objects": new["objects"] + list(existing.get("tools", existing.get("objects")) or []),
        "classifications": new["classifications"]
        + [c for c in existing.get("classifications") or [] if c.get("schemaId") not in answered],
        "relations": new["relations"] + list(existing.get("relations") or []),
    }


class ModelPlugin(Plugin):
    """A Model plugin: the callback gets one asset's run event and returns its annotation.

    ``concurrency`` (the official client's name) bounds how many assets run at once;
    it is the same as ``workers``.
    """

    plugin_type = "model"

    def __init__(
        self,
        id: str,
        secret: str,
        callback: Callable[..., Any],
        host: str | None = None,
        concurrency: int | None = None,
        **options: Any,
    ) -> None:
        if concurrency is not None:
            options["workers"] = max(1, int(concurrency))
        super().__init__(id, secret, callback, host=host, **options)

    def run_event(self, data: dict) -> dict | None:
        from .sdk import SDK

        result = self.call(data)
        answer = answer_from(result)
        overwrite = data.get("overwrite", True)
        overwrite = True if overwrite is None else bool(overwrite)
        workflow = bool(data.get("workflow"))
        task_id = data.get("taskId")
        if overwrite and not workflow:
            return {"response": answer, "session": data.get("session")}
        if not task_id:
            raise ValueError("the run event names no 'taskId': a workflow run, or overwrite false, needs the task")
        with SDK(data.get("apiKey"), self.host) as sdk:
            if not overwrite:
                answer = merged(sdk.get_task(task_id)["data"]["task"].get("answer"), answer)
            if not workflow:
                return {"response": answer, "session": data.get("session")}
            sdk.annotate_task(
                task_id,
                answer,
                brush_data_url=getattr(result, "brush_data_url", None),
                medical_brush_data_url=getattr(result, "medical_brush_data_url", None),
                next_stage=True,
                is_plugin=True,
            )
        return None
