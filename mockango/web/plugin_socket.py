"""The ``/plugin`` Socket.IO namespace (ango-host-facts §2).

A socket is nobody until it sends a ``heartbeat`` with a plugin's id and secret;
then it is bound to that plugin and can receive runs. A wrong heartbeat gets an
``error`` event with a plain message and is disconnected.

The official client reconnects at once, with no backoff, whenever it is
disconnected; a plain disconnect would make a misconfigured plugin hammer the
host ~20 times a second. So the host backs off instead: the first refusal of a
plugin id disconnects at once, and each further refusal waits twice as long
(up to ``MAX_REFUSAL_DELAY``) before closing the socket, which stays unbound
and receives no run meanwhile. The waits cost no thread each (:mod:`.delayed_calls`), and
what such a socket sends while it waits is dropped unread: answering each wrong heartbeat of a
flood on it (a lookup and a write each, as fast as it sent) took a legitimate GET's p99 to 9x
its quiet one (``bench/abuse.py``).

Faults on demand (:mod:`mockango.faults`) act here too: latency on events,
ignored heartbeats, and sockets dropped now or around a run.
"""

from __future__ import annotations

import logging
import threading

from flask import request
from flask_socketio import Namespace, SocketIO, disconnect, emit

from ..errors import InvalidRequest, MockangoError
from ..hub import Hub
from .delayed_calls import DelayedCalls

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
            return (
                f"{HEARTBEAT_SHAPE}: '{field}' must be a string of 1 to {MAX_CREDENTIAL_LENGTH} characters, got {shown}"
            )
    return None


def _sid() -> str:
    """The Socket.IO id of the connection whose event is being handled (Flask-SocketIO sets it on the request)."""
    return request.sid  # type: ignore[attr-defined]


class SocketConnection:
    """A plugin's Socket.IO socket, as the Hub sees it."""

    def __init__(self, socketio: SocketIO, sid: str, namespace: PluginNamespace | None = None) -> None:
        self.id = f"socket:{sid}"
        self.sid = sid
        self._socketio = socketio
        self._namespace = namespace

    def send_run(self, event: dict) -> None:
        namespace = self._namespace
        if namespace is None or not namespace.hub.faults:
            self._socketio.emit("plugin", event, to=self.sid, namespace=NAMESPACE)
            return
        drop = namespace.hub.faults.drop_on_run(namespace.plugin_of(self.sid))
        if drop is not None and drop.when == "before_run":
            namespace.drop_socket(self.sid)  # the Hub fails the run: its socket closed before it answered
            return
        delay = namespace.hub.faults.event_delay("plugin", namespace.organization_of(namespace.plugin_of(self.sid)))
        if delay:
            self._socketio.start_background_task(self._send_later, event, delay)
        else:
            self._socketio.emit("plugin", event, to=self.sid, namespace=NAMESPACE)
        if drop is not None:
            timer = threading.Timer(delay + drop.seconds, namespace.drop_socket, args=(self.sid,))
            timer.daemon = True
            timer.start()

    def _send_later(self, event: dict, delay: float) -> None:
        self._socketio.sleep(delay)
        self._socketio.emit("plugin", event, to=self.sid, namespace=NAMESPACE)


class PluginNamespace(Namespace):
    def __init__(self, hub: Hub, socketio: SocketIO) -> None:
        super().__init__(NAMESPACE)
        self.hub = hub
        self.socketio = socketio
        self._refusals: dict[str, int] = {}
        self._delayed = DelayedCalls(name="mockango refused sockets")
        """Refused sockets closed later: one thread for all of them, none when none waits."""
        self._refused: set[str] = set()
        """Sids of refused sockets waiting for their close: told once, not answered again (at most the
        scheduler's limit of them)."""
        self._plugin_of: dict[str, str] = {}  # sid -> plugin id, once a heartbeat bound the socket
        hub.faults.on_drop(self.drop_plugin)

    def _connection(self) -> SocketConnection:
        return SocketConnection(self.socketio, _sid(), self)

    def plugin_of(self, sid: str) -> str | None:
        return self._plugin_of.get(sid)

    def drop_plugin(self, plugin_id: str) -> int:
        """Close every socket bound to the plugin (a fault): returns how many."""
        sids = [sid for sid, bound in list(self._plugin_of.items()) if bound == plugin_id]
        for sid in sids:
            self.drop_socket(sid)
        return len(sids)

    def drop_socket(self, sid: str) -> None:
        """Close the socket's whole Engine.IO connection, as a network failure would (not a polite
        namespace disconnect): the client sees its transport end, the Hub fails its runs in flight."""
        try:
            eio_sid = self.socketio.server.manager.eio_sid_from_sid(sid, NAMESPACE)
        except KeyError:
            return
        engine = self.socketio.server.eio
        transport = engine.sockets.get(eio_sid) if eio_sid is not None else None
        if transport is not None:
            # Not engine.disconnect(): it closes with wait=True, which joins the send queue and can
            # wait forever when the writer ends on the closing websocket first (seen 1 run in 5).
            transport.close(wait=False, reason=engine.reason.SERVER_DISCONNECT)
            engine.sockets.pop(eio_sid, None)

    def organization_of(self, plugin_id: object) -> str | None:
        """The organization of a plugin (None: no such plugin): faults act on their own organization's."""
        plugin = self.hub.get_plugin(plugin_id) if isinstance(plugin_id, str) else None
        return plugin.organization_id if plugin is not None else None

    def _fault_delay(self, event: str, plugin_id: object = None) -> None:
        if not self.hub.faults:
            return
        delay = self.hub.faults.event_delay(event, self.organization_of(plugin_id or self.plugin_of(_sid())))
        if delay:
            self.socketio.sleep(delay)

    def trigger_event(self, event, *args):
        """Dispatch as usual; an unknown event or a crash in a handler gets an ``error`` event, never silence."""
        sid = args[0] if args else None
        if event not in ("connect", "disconnect") and sid in self._refused:
            return None  # refused, and closed soon: what it sends meanwhile costs nothing more
        if event not in ("connect", "disconnect") and not hasattr(self, f"on_{event}"):
            self._tell(sid, f"unknown event '{event}': a plugin sends 'heartbeat', 'log' and 'response'")
            return None
        if event not in ("connect", "disconnect") and len(args) > 2:
            self._tell(
                sid,
                f"the '{event}' event takes one argument (a JSON object), got {len(args) - 1}: "
                "send the payload alone, e.g. emit('log', {...})",
            )
            return None
        try:
            return super().trigger_event(event, *args)
        except Exception:
            logger.exception("the '%s' event handler failed", event)
            self._tell(
                sid,
                f"mockango failed on the '{event}' event (a bug in mockango: the traceback is "
                "in the server's log; please report it)",
            )
            return None

    def _tell(self, sid: str | None, message: str) -> None:
        if sid is not None:
            self.socketio.emit("error", message, to=sid, namespace=NAMESPACE)

    def on_heartbeat(self, data=None):
        problem = heartbeat_problem(data)
        plugin_key = "" if problem else data["id"]
        if self.hub.faults and not problem:
            self._fault_delay("heartbeat", data["id"])
            if self.hub.faults.ignores_heartbeat(data["id"], self.organization_of(data["id"])):
                return
        try:
            if problem:
                raise InvalidRequest(problem)
            plugin = self.hub.authenticate_plugin(data["id"], data["secret"], self._connection())
        except MockangoError as error:
            emit("error", error.message)
            delay = self._refusal_delay(plugin_key)
            sid = _sid()
            if delay > 0 and self._delayed.later(delay, sid, lambda: self._disconnect_unbound(sid)):
                self._refused.add(sid)
            else:
                disconnect()
        else:
            self._refusals.pop(plugin_key, None)
            self._plugin_of[_sid()] = plugin.id

    def _refusal_delay(self, plugin_key: str) -> float:
        count = self._refusals.get(plugin_key, 0)
        if len(self._refusals) > 10_000:  # bounded: ids are attacker-chosen
            self._refusals.clear()
        self._refusals[plugin_key] = count + 1
        return 0.0 if count == 0 else min(FIRST_REFUSAL_DELAY * 2 ** (count - 1), MAX_REFUSAL_DELAY)

    def _disconnect_unbound(self, sid: str) -> None:
        """A refused socket's delayed close."""
        self._refused.discard(sid)
        self.socketio.server.disconnect(sid, namespace=NAMESPACE)

    def on_response(self, data=None):
        self._fault_delay("response")
        self._forward(self.hub.record_response, data)

    def on_log(self, data=None):
        self._fault_delay("log")
        self._forward(self.hub.record_log, data)

    def _forward(self, record, data) -> None:
        try:
            record(data, connection_id=self._connection().id)
        except MockangoError as error:
            emit("error", error.message)

    def on_disconnect(self, reason=None):
        self._refused.discard(_sid())
        self._plugin_of.pop(_sid(), None)
        self.hub.connection_closed(self._connection().id)
