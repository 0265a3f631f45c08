"""The commands mockango prints for a user to paste: they must work as printed.

So they name this environment's Python (the one that has plugin_client), never a bare
``python``, and the example plugin by its absolute path, only when this checkout has it.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import NamedTuple

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE = EXAMPLES / "batch_model_plugin.py"
DEMO_PLUGIN_NAME = "Demo detector"
"""The plugin `mockango serve` creates for the example script; any other plugin is the user's own."""


class PluginCommand(NamedTuple):
    heading: str
    command: str

    def __str__(self) -> str:
        return f"{self.heading}\n  {self.command}"


def plugin_environment(url: str, plugin_id: str, secret: str) -> str:
    return f"ANGO_HOST={url} PLUGIN_ID={plugin_id} PLUGIN_SECRET={shlex.quote(secret)}"


def example_plugin_command(
    url: str, plugin_id: str, secret: str, plugin_type: str = "batch-model"
) -> PluginCommand | None:
    """The example plugin of the type run with this environment's Python; None when this install has none."""
    example = EXAMPLES / f"{plugin_type.replace('-', '_')}_plugin.py"
    if not example.exists():
        return None
    return PluginCommand(
        "Run the example plugin against it:",
        f"{plugin_environment(url, plugin_id, secret)} {shlex.quote(sys.executable)} {shlex.quote(str(example))}",
    )


def own_plugin_command(url: str, plugin_id: str, secret: str, plugin_type: str = "batch-model") -> PluginCommand:
    """How to point the user's own plugin script at this host."""
    client_class = "".join(word.capitalize() for word in plugin_type.split("-")) + "Plugin"
    return PluginCommand(
        "Run your plugin against it: plugin_client's run() connects to ANGO_HOST; pass "
        f"os.environ['PLUGIN_ID'] and os.environ['PLUGIN_SECRET'] to {client_class}(id, secret, "
        "callback):",
        f"{plugin_environment(url, plugin_id, secret)} {shlex.quote(sys.executable)} your_plugin.py",
    )


def plugin_command(
    url: str, plugin_id: str, secret: str, plugin_name: str, plugin_type: str = "batch-model"
) -> PluginCommand:
    """The example for the demo plugin (when this install has it), the user's own script for any other."""
    if plugin_name == DEMO_PLUGIN_NAME:
        return example_plugin_command(url, plugin_id, secret, plugin_type) or own_plugin_command(
            url, plugin_id, secret, plugin_type
        )
    return own_plugin_command(url, plugin_id, secret, plugin_type)
