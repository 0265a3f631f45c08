"""What a transport and a plugin need of each other, below both of them.

A connector (Socket.IO or REST) delivers run events to a plugin and carries its messages back;
:class:`~plugin_client.plugin.Plugin` picks and holds its connector. Each side knows the other only
through the protocols here, so the connectors never import the plugin classes (nor they the connectors
but to build one in :func:`~plugin_client.plugin.run`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Connector(Protocol):
    """What :func:`~plugin_client.plugin.run` and :meth:`Plugin.stop` need of a transport."""

    def serve_forever(self) -> None: ...

    def stop(self) -> None: ...


class RunsEvents(Protocol):
    """What a connector needs of a plugin: who it is on the host, how many runs it takes at once,
    and one call that runs an event and never raises (:meth:`plugin_client.plugin.Plugin.handle_run`)."""

    id: str
    secret: str
    workers: int
    heartbeat_interval: float

    @property
    def answers_rest_through_sdk(self) -> bool:
        """Over REST, whether the answer goes to ``POST /v2/pluginResponse`` instead of the HTTP reply."""
        ...

    def handle_run(self, event: dict, send_log: Callable[[dict], None]) -> dict | None: ...
