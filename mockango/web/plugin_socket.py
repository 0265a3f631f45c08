"""The ``/plugin`` Socket.IO namespace (ango-host-facts §2).

A socket is nobody until it sends a ``heartbeat`` with a plugin's id and secret;
then it is bound to that plugin and can receive runs. A wrong heartbeat gets an
``error`` event with a plain message and is disconnected.

The official client reconnects at once, with no backoff, whenever it is
disconnected; a plain disconnect would make a misconfigured plugin hammer the
host ~20 times a second. So the host backs off instead: the first refusal of a
plugin id disconnects at once, and each further refusal waits twice as long
(up to ``MAX_REFUSAL_DELAY``) before closing the socket, which stays unbound
and receives no run meanwhile.
"""

from __future__ import annotations

from flask import request
from flask_socketio import Namespace, SocketIO, disconnect, emit

from ..errors import MockangoError
from ..hub import Hub

NAMESPACE = "/plugin"
FIRST_REFUSAL_DELAY = 0.25
MAX_REFUSAL_DELAY = 10.0


class SocketConnection:
    """A plugin's Socket.IO socket, as the Hub sees it."""

    def __init__(self, socketio: SocketIO, sid: str) -> None:
        self.id = f"socket:{sid}"
        self.sid = sid
        self._socketio = socketio

    def send_run(self, event: dict) -> None:
        self._socketio.emit("plugin", event, to=self.sid, namespace=NAMESPACE)


class PluginNamespace(Namespace):
    def __init__(self, hub: Hub, socketio: SocketIO) -> None:
        super().__init__(NAMESPACE)
        self.hub = hub
        self.socketio = socketio
        self._refusals: dict[str, int] = {}

    def _connection(self) -> SocketConnection:
        return SocketConnection(self.socketio, request.sid)

    def on_heartbeat(self, data=None):
        data = data if isinstance(data, dict) else {}
        plugin_key = str(data.get("id"))
        try:
            self.hub.authenticate_plugin(data.get("id"), data.get("secret"), self._connection())
        except MockangoError as error:
            emit("error", error.message)
            delay = self._refusal_delay(plugin_key)
            if delay == 0:
                disconnect()
            else:
                self.socketio.start_background_task(self._disconnect_later, request.sid, delay)
        else:
            self._refusals.pop(plugin_key, None)

    def _refusal_delay(self, plugin_key: str) -> float:
        count = self._refusals.get(plugin_key, 0)
        if len(self._refusals) > 10_000:  # bounded: ids are attacker-chosen
            self._refusals.clear()
        self._refusals[plugin_key] = count + 1
        return 0.0 if count == 0 else min(FIRST_REFUSAL_DELAY * 2 ** (count - 1), MAX_REFUSAL_DELAY)

    def _disconnect_later(self, sid: str, delay: float) -> None:
        self.socketio.sleep(delay)
        if not self.hub.is_bound(SocketConnection(self.socketio, sid).id):
            self.socketio.server.disconnect(sid, namespace=NAMESPACE)

    def on_response(self, data=None):
        self._forward(self.hub.record_response, data)

    def on_log(self, data=None):
        self._forward(self.hub.record_log, data)

    def _forward(self, record, data) -> None:
        try:
            record(data, connection_id=self._connection().id)
        except MockangoError as error:
            emit("error", error.message)

    def on_disconnect(self, reason=None):
        self.hub.connection_closed(self._connection().id)
