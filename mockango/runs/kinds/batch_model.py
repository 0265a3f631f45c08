"""Batch Model: a model run over a project (or some of its batches); its answer is shown as it came.

Event fields (1.4.10 and 1.1.x read the same): ``categorySchema`` (the class mapping), ``batches``
(1.1.x reads ``tags``), ``configJSON``: all of them common to every run (:mod:`mockango.runs.engine`).
"""

from __future__ import annotations

from typing import ClassVar

from .registry import BATCHES, PluginKind, RunField


class BatchModel(PluginKind):
    name: ClassVar[str] = "batch-model"
    title: ClassVar[str] = "Batch Model"
    has_classes: ClassVar[bool] = True
    fields: ClassVar[tuple[RunField, ...]] = (BATCHES,)
    shows_result: ClassVar[str] = "none"
    example_config: ClassVar[str] = '{\n  "dummy-bounding-box": {"x": 40, "y": 40, "width": 200, "height": 120}\n}'
    """What examples/batch_model_plugin.py reads."""


KIND = BatchModel()
