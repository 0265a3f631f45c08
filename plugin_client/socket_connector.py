"""The Socket.IO connector (the official client's default, "WS").

Connects out to ``{host}`` namespace ``/plugin`` over websocket, sends a
``heartbeat`` with id and secret on connect and then every
``heartbeat_interval`` seconds, hands ``plugin`` events to a worker pool, and
sends ``log`` and ``response`` back. A lost connection is re-established with
exponential backoff; a refusal from the host (wrong id or secret) stops with
:class:`~plugin_client.errors.PluginRefused`, since retrying would not help.

The host never acknowledges a heartbeat; it refuses a wrong one at once (an ``error``
event, then it closes the socket). So "connected" is logged only after
``ACCEPT_GRACE`` seconds without a refusal (or when the first run arrives).
"""

from __future__ import annotations

import logging
import threading

import socketio

from .contract import RunsEvents
from .errors import PluginRefused
from .workers import Workers

NAMESPACE = "/plugin"
ACCEPT_GRACE = 0.5
log = logging.getLogger("plugin_client")


class SocketConnector:
    def __init__(
        self,
        plugin: RunsEvents,
        host: str,
        *,
        backoff_start: float = 0.25,
        backoff_max: float = 30.0,
        connect_timeout: float = 10.0,
    ) -> None:
        self.plugin, self.host = plugin, host
        self.backoff_start, self.backoff_max = backoff_start, backoff_max
        self.connect_timeout = connect_timeout
        self._stopping = threading.Event()
        self._client: socketio.Client | None = None
        self._refusal: str | None = None
        self._accepted = False
        self._pool = Workers(plugin.workers)
        self._unsent_runs: set[str | None] = set()  # runs whose connection closed under them (said once each)
        self.connected = threading.Event()

    # ------------------------------------------------------------- lifecycle

    def serve_forever(self) -> None:
        delay = self.backoff_start
        try:
            while not self._stopping.is_set():
                client = self._new_client()
                try:
                    client.connect(
                        self.host, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=self.connect_timeout
                    )
                except socketio.exceptions.ConnectionError as exc:
                    log.warning("could not connect to %s (%s); retrying in %.1f s", self.host, exc, delay)
                    self._stopping.wait(delay)
                    delay = min(delay * 2, self.backoff_max)
                    continue
                delay = self.backoff_start
                self._client = client
                if self._stopping.is_set():
                    client.disconnect()
                heartbeats = threading.Thread(
                    target=self._heartbeat_loop, args=(client,), daemon=True, name="plugin-heartbeat"
                )
                heartbeats.start()
                self._wait_until_closed(client)
                self.connected.clear()
                if self._refusal is not None:
                    raise PluginRefused(
                        f"the host at {self.host} refused plugin {self.plugin.id}: {self._refusal}",
                        host=self.host,
                        plugin_id=self.plugin.id,
                        known_before=self._accepted,
                    )
                self._accepted = True  # the connection ended without a refusal: the host knew this plugin
                if not self._stopping.is_set():
                    log.warning("lost the connection to %s; reconnecting in %.1f s", self.host, delay)
                    self._stopping.wait(delay)
        finally:
            self._pool.shutdown()

    @staticmethod
    def _wait_until_closed(client: socketio.Client) -> None:
        """Return once the connection is over, however it ended.

        Not ``client.wait()``: it sleeps 1 s after the connection ends to let a reconnect
        task start, and this client never reconnects by itself (the loop above does).
        Not ``client.eio.wait()`` either: when the host closes the transport, python-engineio's
        write loop can miss the close and sit in its queue for ping interval + timeout (~50 s),
        and the read loop joins it. The namespace's disconnect handler fires at once in
        every case (it also records a refusal), so wait for that, then wake the write loop.
        """
        while not client.namespace_ended.wait(1.0):
            if client.eio.state not in ("connected", "disconnecting"):
                break
        if client.eio.state == "connected":  # the namespace ended but the transport is still open
            client.eio.disconnect(abort=True)
        queue = getattr(client.eio, "queue", None)
        if queue is not None:
            queue.put(None)  # ends a write loop left waiting; ignored once it has ended

    def stop(self) -> None:
        self._stopping.set()
        client = self._client
        if client is not None and client.connected:
            client.disconnect()

    @property
    def runs_in_flight(self) -> int:
        """How many callbacks are running now."""
        return self._pool.busy

    # ----------------------------------------------------------------- events

    def _new_client(self) -> socketio.Client:
        # handle_sigint=False: Ctrl+C is run()'s to handle (socketio's own handler only re-raises it, deeper).
        client = socketio.Client(reconnection=False, logger=False, engineio_logger=False, handle_sigint=False)
        client.namespace_ended = threading.Event()
        client.settled = threading.Event()  # refused, closed, or sent a run: whether it took us is known
        client.last_error = None

        @client.on("connect", namespace=NAMESPACE)
        def on_connect():
            self._send_heartbeat(client)
            self.connected.set()
            log.debug("connected to %s; heartbeat of plugin %s sent", self.host, self.plugin.id)

        @client.on("plugin", namespace=NAMESPACE)
        def on_plugin(event):
            client.settled.set()
            if isinstance(event, dict):
                try:
                    self._pool.submit(self._run, client, event)
                except RuntimeError:  # the pool is shut down: run() is ending
                    log.warning("ignored a run event that came while the plugin was stopping")
            else:
                log.error("ignored a run event that is not an object: %r", event)

        @client.on("error", namespace=NAMESPACE)
        def on_error(message=None):
            log.error("the host says: %s", message)
            client.last_error = str(message)
            client.settled.set()

        @client.on("disconnect", namespace=NAMESPACE)
        def on_disconnect(reason=None):
            # An error followed by the host closing the socket is a refusal (wrong id or secret).
            if reason == client.reason.SERVER_DISCONNECT and client.last_error is not None:
                self._refusal = client.last_error
            client.settled.set()
            client.namespace_ended.set()

        return client

    def _send_heartbeat(self, client: socketio.Client) -> None:
        client.emit("heartbeat", {"id": self.plugin.id, "secret": self.plugin.secret}, namespace=NAMESPACE)

    def _heartbeat_loop(self, client: socketio.Client) -> None:
        client.settled.wait(ACCEPT_GRACE)
        if client.last_error is None and _open(client) and not self._stopping.is_set():
            log.info("plugin %s connected to %s", self.plugin.id, self.host)
        while not self._stopping.wait(self.plugin.heartbeat_interval) and _open(client):
            try:
                self._send_heartbeat(client)
            except socketio.exceptions.SocketIOError:
                return

    def _emit(self, client: socketio.Client, event: str, payload: dict) -> None:
        session = payload.get("session") if isinstance(payload, dict) else None
        if not _open(client):  # the connection this run came on is gone: say so once per run, not per line
            if session not in self._unsent_runs:
                if len(self._unsent_runs) > 1000:
                    self._unsent_runs.clear()
                self._unsent_runs.add(session)
                log.warning(
                    "session %s: the connection it came on is closed; its further log lines and its answer "
                    "are not sent (the host ends it as disconnected)",
                    session,
                )
            return
        try:
            client.emit(event, payload, namespace=NAMESPACE)
        except socketio.exceptions.SocketIOError as exc:
            log.error("could not send %r to the host: %s", event, exc)

    def _run(self, client: socketio.Client, event: dict) -> None:
        response = self.plugin.handle_run(event, lambda entry: self._emit(client, "log", entry))
        if response is not None:  # a Model plugin in workflow mode answers through the REST API instead
            self._emit(client, "response", response)


def _open(client: socketio.Client) -> bool:
    """Whether the plugin namespace of ``client`` is connected and has not ended.

    Not ``client.connected``: python-socketio sets that only when ``connect()`` returns, after the namespace's
    connect handler ran (it sends the heartbeat). Under load a run the host sent as soon as the heartbeat made
    the plugin live came and finished before that, and its answer was dropped as if the connection had
    closed (the run then timed out; seen in CI).
    """
    return not client.namespace_ended.is_set() and NAMESPACE in client.namespaces
