"""Bounded connections for the werkzeug server: a cap on open connections with a clear 503 beyond it,
a share of that cap per client address, and kept-alive connections woken when the server stops.

Werkzeug's threaded server gives each connection a thread: 400 idle TCP connections held 400
threads, and 1,000 slow ones from one client took every place, so that every other client got
503. Here each connection's requests have deadlines (:mod:`mockango.request_handler`), one
client address holds at most :attr:`BoundedWSGIServer.max_per_client` connections (half the cap
by default), and past either limit a new connection is answered 503 at once (by a small, bounded
pool of refusers, so the accept loop never waits).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from typing import TYPE_CHECKING

from werkzeug.serving import ThreadedWSGIServer

if TYPE_CHECKING:
    from flask import Flask

from .errors import error_body
from .fair_share import FairShare
from .memory_return import MemoryReturn

DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 1000
MAX_REFUSERS = 16
"""Refusals written at once; past that a connection over the cap is closed without an answer."""

logger = logging.getLogger("mockango.http")


class BoundedWSGIServer(ThreadedWSGIServer):
    """Werkzeug's threaded server with per-request deadlines, a cap on open connections and a share per client."""

    app: Flask  # mockango's app (web/app.py create_app), whose extensions hold its health check

    def __init__(
        self,
        *args,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_per_client: int | None = None,
        **kwargs,
    ) -> None:
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        self.max_per_client = max_per_client or max(1, max_connections // 2)
        """Connections one client address may hold at once, so that one client cannot take them all."""
        self.closing = False
        self._open = 0
        self._by_client: dict[str, int] = {}
        self._waiting: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._refusers = threading.BoundedSemaphore(MAX_REFUSERS)
        self.memory = MemoryReturn()
        """Hands memory back after bursts of big requests (the request handler tells it what it read)."""
        self.fair_share = FairShare()
        """Turns between client addresses by the CPU they used (the request handler asks it and counts)."""
        super().__init__(*args, **kwargs)  # (werkzeug calls server_close() in here, to swap its socket)
        self.closing = False

    @property
    def open_connections(self) -> int:
        return self._open

    def process_request(self, request, client_address) -> None:
        address = client_address[0] if isinstance(client_address, tuple) else str(client_address)
        with self._lock:
            held = self._by_client.get(address, 0)
            refusal = (
                self._over_cap()
                if self._open >= self.max_connections
                else self._over_share(address, held)
                if held >= self.max_per_client
                else None
            )
            if refusal is None:
                self._open += 1
                self._by_client[address] = held + 1
        if refusal is not None:
            self._refuse(request, refusal)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(address)
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(client_address[0] if isinstance(client_address, tuple) else str(client_address))

    def _release(self, address: str) -> None:
        with self._lock:
            self._open -= 1
            left = self._by_client.get(address, 1) - 1
            if left > 0:
                self._by_client[address] = left
            else:
                self._by_client.pop(address, None)

    # ------------------------------------------------------------ kept-alive connections

    def waiting(self, connection: socket.socket, idle: bool) -> None:
        """The request handler says a connection waits for its next request (or no longer does)."""
        with self._lock:
            if idle:
                self._waiting.add(connection)
            else:
                self._waiting.discard(connection)
            wake = idle and self.closing
        if wake:
            _wake(connection)

    def server_close(self) -> None:
        """Stop, and end the connections that wait for a next request (their threads end with them)."""
        with self._lock:
            self.closing = True
            waiting = list(self._waiting)
        for connection in waiting:
            _wake(connection)
        super().server_close()

    def log_crash(self, environ: dict) -> None:
        logger.exception("unexpected error on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))

    # ------------------------------------------------------------ refusals

    def _over_cap(self) -> str:
        return (
            f"mockango is serving its limit of {self.max_connections} connections at once; retry shortly, "
            "or raise the limit with `mockango serve --max-connections N` or MockAngo(max_connections=...)"
        )

    def _over_share(self, address: str, held: int) -> str:
        return (
            f"this client ({address}) holds {held} connections, its share (half) of the {self.max_connections} "
            "this host serves at once; close some or reuse them (the host keeps connections alive), or raise "
            "the limit with `mockango serve --max-connections N` or MockAngo(max_connections=...)"
        )

    def _refuse(self, request: socket.socket, message: str) -> None:
        if not self._refusers.acquire(blocking=False):
            self.shutdown_request(request)
            return
        threading.Thread(
            target=self._write_refusal, args=(request, message), name="mockango refusal", daemon=True
        ).start()

    def _write_refusal(self, request: socket.socket, message: str) -> None:
        body = json.dumps(error_body(503, message))
        answer = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
        ).encode()
        try:
            request.settimeout(1.0)
            _drain(request, 0.05)  # read the request first, so closing does not reset the answer away
            request.sendall(answer)
            request.shutdown(socket.SHUT_WR)
            _drain(request, 0.2)
        except OSError:
            pass
        finally:
            request.close()
            self._refusers.release()


def _wake(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _drain(sock: socket.socket, seconds: float) -> None:
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except (TimeoutError, OSError):
        pass
