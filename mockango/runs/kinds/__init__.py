"""The kinds of Ango Hub plugin, one module each, and the table of the six built in (:data:`BUILT_IN`).

To add a kind: write a module with a :class:`PluginKind` subclass, and give a host a table with it
(``HostConfig(kinds=BUILT_IN + [MyKind()])``). The run engine, the dashboard's forms, the control
API, OpenAPI and ``mockango run``'s flags all read the table.
"""

from __future__ import annotations

from . import batch_model, export, file_explorer, input, markdown, model
from .registry import BATCHES, CLASS_MAPPING, Kinds, Outcome, PluginKind, RunField, RunServices

BUILT_IN = Kinds([batch_model.KIND, model.KIND, export.KIND, file_explorer.KIND, markdown.KIND, input.KIND])
"""The six plugin types of Ango Hub (ango-host-facts §7), in the order the dashboard lists them."""

PLUGIN_TYPES = BUILT_IN.names
KINDS = {kind.name: kind for kind in BUILT_IN}
FIELD_OPTIONS = BUILT_IN.field_options()
"""Run option's JSON name -> its Python keyword."""
OPTION_FIELDS = {option: name for name, option in FIELD_OPTIONS.items()}
"""Run option's Python keyword -> its JSON name."""

__all__ = [
    "BUILT_IN",
    "BATCHES",
    "CLASS_MAPPING",
    "FIELD_OPTIONS",
    "KINDS",
    "Kinds",
    "OPTION_FIELDS",
    "Outcome",
    "PLUGIN_TYPES",
    "PluginKind",
    "RunField",
    "RunServices",
]
