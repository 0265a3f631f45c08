"""The commands mockango prints for a user to paste: they must work as printed.

In a terminal (``mockango serve``'s banner) they name this environment's Python (the one that
has plugin_client) and the example plugin by absolute paths, which work from any directory.
A page (the dashboard) is read by others too, and photographed for the docs: there they are
written as a reader types them (``readable=True``): from the mockango checkout, with paths
relative to it, and ``python`` when that is the one on the PATH; never a path of this machine.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

CHECKOUT = Path(__file__).resolve().parent.parent
EXAMPLES = CHECKOUT / "examples"
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


def typed_python() -> str:
    """This environment's Python as a reader types it: relative to the checkout when it lives there
    (``.venv/bin/python``), ``python`` when that is the one on the PATH, else its absolute path."""
    executable = Path(os.path.abspath(sys.executable))
    if executable.is_relative_to(CHECKOUT):
        return str(executable.relative_to(CHECKOUT))
    on_path = shutil.which("python")
    if on_path is not None and Path(os.path.abspath(on_path)) == executable:
        return "python"
    return str(executable)


def example_plugin_command(
    url: str, plugin_id: str, secret: str, plugin_type: str = "batch-model", *, readable: bool = False
) -> PluginCommand | None:
    """The example plugin of the type run with this environment's Python; None when this install has none.

    ``readable``: typed from the checkout, with paths relative to it (see the module's docstring)."""
    example = EXAMPLES / f"{plugin_type.replace('-', '_')}_plugin.py"
    if not example.exists():
        return None
    if readable:
        python, script, where = typed_python(), str(example.relative_to(CHECKOUT)), " (from the mockango checkout)"
    else:
        python, script, where = sys.executable, str(example), ""
    return PluginCommand(
        f"Run the example plugin against it{where}:",
        f"{plugin_environment(url, plugin_id, secret)} {shlex.quote(python)} {shlex.quote(script)}",
    )


def own_plugin_command(
    url: str, plugin_id: str, secret: str, plugin_type: str = "batch-model", *, readable: bool = False
) -> PluginCommand:
    """How to point the user's own plugin script at this host (``readable``: with ``python``, saying which)."""
    client_class = "".join(word.capitalize() for word in plugin_type.split("-")) + "Plugin"
    heading = (
        "Run your plugin against it: plugin_client's run() connects to ANGO_HOST; pass "
        f"os.environ['PLUGIN_ID'] and os.environ['PLUGIN_SECRET'] to {client_class}(id, secret, callback)"
    )
    python = sys.executable
    if readable:
        python = typed_python()
        if python != "python":
            heading += f"; python: the one with plugin_client installed (here {python})"
            python = "python"
    return PluginCommand(
        f"{heading}:", f"{plugin_environment(url, plugin_id, secret)} {shlex.quote(python)} your_plugin.py"
    )


def plugin_command(
    url: str,
    plugin_id: str,
    secret: str,
    plugin_name: str,
    plugin_type: str = "batch-model",
    *,
    readable: bool = False,
) -> PluginCommand:
    """The example for the demo plugin (when this install has it), the user's own script for any other."""
    if plugin_name == DEMO_PLUGIN_NAME:
        example = example_plugin_command(url, plugin_id, secret, plugin_type, readable=readable)
        if example is not None:
            return example
    return own_plugin_command(url, plugin_id, secret, plugin_type, readable=readable)
