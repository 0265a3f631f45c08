"""Live links to plugin processes: which plugin each connection speaks for, and its heartbeats.

Process-local (a socket does not survive a restart): a connection is bound to its plugin by a
heartbeat that carries the plugin's id and secret, and the plugin is live while one of its
connections has sent a heartbeat within the host's ``heartbeat_timeout``.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from ..errors import AuthenticationError


class PluginConnection(Protocol):
    """One live link to a plugin process (a Socket.IO socket, a REST callback URL, ...)."""

    id: str

    def send_run(self, event: dict) -> None:
        """Deliver a run event; raise to report that it could not be delivered."""


class Connections:
    """Which plugin each live connection speaks for, and its heartbeats. Process-local: never stored."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_plugin: dict[str, dict[str, PluginConnection]] = {}
        self.plugin_of: dict[str, str] = {}
        self.heartbeats: dict[str, float] = {}  # connection id -> monotonic time of its last heartbeat
        self.last_heartbeat: dict[str, float] = {}  # plugin id -> wall-clock time of its last heartbeat

    def clear(self) -> None:
        with self.lock:
            self.by_plugin.clear()
            self.plugin_of.clear()
            self.heartbeats.clear()
            self.last_heartbeat.clear()

    def sizes(self) -> dict[str, int]:
        """How many entries each book holds (``Hub.held_in_memory``)."""
        with self.lock:
            return {
                "connections": len(self.plugin_of),
                "connected plugins": len(self.by_plugin),
                "heartbeats": len(self.heartbeats),
            }

    def plugin_of_connection(self, connection_id: str | None) -> str | None:
        """The plugin a connection has authenticated as, if any."""
        with self.lock:
            return self.plugin_of.get(connection_id) if connection_id is not None else None

    def bind(self, plugin_id: str, connection: PluginConnection) -> bool:
        """Record a heartbeat of ``connection`` for ``plugin_id``; True when it was not bound before.

        A connection speaks for one plugin: a heartbeat for another is refused.
        """
        with self.lock:
            already = self.plugin_of.get(connection.id)
            if already is not None and already != plugin_id:
                raise AuthenticationError("this connection is already bound to another plugin")
            self.by_plugin.setdefault(plugin_id, {})[connection.id] = connection
            first = connection.id not in self.plugin_of
            self.plugin_of[connection.id] = plugin_id
            self.heartbeats[connection.id] = time.monotonic()
            self.last_heartbeat[plugin_id] = time.time()
            return first

    def unbind(self, connection_id: str) -> str | None:
        with self.lock:
            plugin_id = self.plugin_of.pop(connection_id, None)
            self.heartbeats.pop(connection_id, None)
            if plugin_id is not None:
                self.by_plugin.get(plugin_id, {}).pop(connection_id, None)
            return plugin_id

    def drop_plugin(self, plugin_id: str) -> None:
        with self.lock:
            for connection_id in list(self.by_plugin.pop(plugin_id, {})):
                self.plugin_of.pop(connection_id, None)
                self.heartbeats.pop(connection_id, None)
            self.last_heartbeat.pop(plugin_id, None)

    def fresh(self, plugin_id: str, heartbeat_timeout: float) -> list[PluginConnection]:
        oldest = time.monotonic() - heartbeat_timeout
        with self.lock:
            return [
                connection
                for connection_id, connection in self.by_plugin.get(plugin_id, {}).items()
                if self.heartbeats.get(connection_id, 0.0) >= oldest
            ]

    def of_plugin(self, plugin_id: str) -> list[PluginConnection]:
        """The connections that speak for the plugin now (a reset that keeps it binds them again)."""
        with self.lock:
            return list(self.by_plugin.get(plugin_id, {}).values())

    def count(self, plugin_id: str) -> int:
        with self.lock:
            return len(self.by_plugin.get(plugin_id, {}))
