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

import logging

from flask import request
from flask_socketio import Namespace, SocketIO, disconnect, emit

from ..errors import InvalidRequest, MockangoError
from ..hub import Hub

NAMESPACE = "/plugin"
FIRST_REFUSAL_DELAY = 0.25
MAX_REFUSAL_DELAY = 10.0
MAX_CREDENTIAL_LENGTH = 200
HEARTBEAT_SHAPE = 'a heartbeat is {"id": "<plugin id>", "secret": "<plugin secret>"}'

logger = logging.getLogger("mockango.socket")


def heartbeat_problem(data: object) -> str | None:
    """What is wrong with a heartbeat's shape, or None: checked before the id is used as a key."""
    if not isinstance(data, dict):
        return f"{HEARTBEAT_SHAPE}, got {type(data).__name__}"
    for field in ("id", "secret"):
        value = data.get(field)
        if not isinstance(value, str) or not value or len(value) > MAX_CREDENTIAL_LENGTH:
            shown = f"{len(value):,} characters" if isinstance(value, str) else type(value).__name__
            return (f"{HEARTBEAT_SHAPE}: '{field}' must be a string of 1 to {MAX_CREDENTIAL_LENGTH} "
                    f"characters, got {shown}")
    return None


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

    def trigger_event(self, event, *args):
        """Dispatch as usual; an unknown event or a crash in a handler gets an ``error`` event, never silence."""
        sid = args[0] if args else None
        if event not in ("connect", "disconnect") and not hasattr(self, f"on_{event}"):
            self._tell(sid, f"unknown event '{event}': a plugin sends 'heartbeat', 'log' and 'response'")
            return None
        try:
            return super().trigger_event(event, *args)
        except Exception:
            logger.exception("the '%s' event handler failed", event)
            self._tell(sid, f"mockango failed on the '{event}' event (a bug in mockango: the traceback is "
                            "in the server's log; please report it)")
            return None

    def _tell(self, sid: str | None, message: str) -> None:
        if sid is not None:
            self.socketio.emit("error", message, to=sid, namespace=NAMESPACE)

    def on_heartbeat(self, data=None):
        problem = heartbeat_problem(data)
        plugin_key = "" if problem else data["id"]
        try:
            if problem:
                raise InvalidRequest(problem)
            self.hub.authenticate_plugin(data["id"], data["secret"], self._connection())
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
