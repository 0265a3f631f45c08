"""Input: a run that gets ``fileExplorerOptions`` (as the asset builder sends them) and answers what it likes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...models import Project
from .registry import PluginKind, RunField, RunServices


class Input(PluginKind):
    name: ClassVar[str] = "input"
    title: ClassVar[str] = "Input"
    form_heading: ClassVar[str] = "Input"
    fields: ClassVar[tuple[RunField, ...]] = (
        RunField(
            "file_explorer_options",
            "fileExplorerOptions",
            "Input: the fileExplorerOptions JSON.",
            schema={},
            widget="json",
            label="fileExplorerOptions",
            hint="JSON",
            cli="--file-explorer-options",
        ),
    )

    def event_fields(self, services: RunServices, project: Project, given: Mapping[str, Any]) -> dict:
        value = given.get("file_explorer_options")
        return {"fileExplorerOptions": [] if value is None else value}


KIND = Input()
