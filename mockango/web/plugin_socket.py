"""The ``/plugin`` Socket.IO namespace (ango-host-facts §2).

A socket is nobody until it sends a ``heartbeat`` with a plugin's id and secret;
then it is bound to that plugin and can receive runs. A wrong heartbeat gets an
``error`` event with a plain message and is disconnected.
"""

from __future__ import annotations

from flask import request
from flask_socketio import Namespace, SocketIO, disconnect, emit

from ..errors import MockangoError
from ..hub import Hub

NAMESPACE = "/plugin"


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

    def _connection(self) -> SocketConnection:
        return SocketConnection(self.socketio, request.sid)

    def on_heartbeat(self, data=None):
        data = data if isinstance(data, dict) else {}
        try:
            self.hub.authenticate_plugin(data.get("id"), data.get("secret"), self._connection())
        except MockangoError as error:
            emit("error", error.message)
            disconnect()

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
