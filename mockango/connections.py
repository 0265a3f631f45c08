"""Bounded connections for the werkzeug server: a read timeout for requests that never
complete, and a cap on open connections with a clear 503 beyond it.

Werkzeug's threaded server gives each connection a thread and waits on it forever:
400 idle TCP connections held 400 threads. Here a connection that sends nothing for
``read_timeout`` seconds is closed, and past ``max_connections`` a new one is answered
503 at once (by a small, bounded pool of refusers, so the accept loop never waits).

A Socket.IO websocket is quiet between Engine.IO pings and is watched by Engine.IO's
own ping timeout, so once a request upgrades to a websocket its read timeout is lifted.
"""

from __future__ import annotations

import json
import socket
import threading

from werkzeug.serving import ThreadedWSGIServer

from .errors import error_body

DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 1000
MAX_REFUSERS = 16
"""Refusals written at once; past that a connection over the cap is closed without an answer."""


def websockets_without_read_timeout(app):
    """WSGI middleware: a request that upgrades to a websocket keeps its socket without a read timeout."""

    def wrapped(environ, start_response):
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket" and environ.get("werkzeug.socket"):
            environ["werkzeug.socket"].settimeout(None)
        return app(environ, start_response)

    return wrapped


class BoundedWSGIServer(ThreadedWSGIServer):
    """Werkzeug's threaded server with a read timeout per connection and a cap on open connections."""

    def __init__(
        self,
        *args,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        self._open = 0
        self._lock = threading.Lock()
        self._refusers = threading.BoundedSemaphore(MAX_REFUSERS)

    @property
    def open_connections(self) -> int:
        return self._open

    def process_request(self, request, client_address) -> None:
        with self._lock:
            admitted = self._open < self.max_connections
            if admitted:
                self._open += 1
        if not admitted:
            self._refuse(request)
            return
        request.settimeout(self.read_timeout)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._lock:
            self._open -= 1

    def _refuse(self, request: socket.socket) -> None:
        if not self._refusers.acquire(blocking=False):
            self.shutdown_request(request)
            return
        threading.Thread(target=self._write_refusal, args=(request,), name="mockango refusal", daemon=True).start()

    def _write_refusal(self, request: socket.socket) -> None:
        body = json.dumps(
            error_body(
                503,
                f"mockango is serving its limit of {self.max_connections} connections at once; retry shortly, "
                "or raise the limit with `mockango serve --max-connections N` or MockAngo(max_connections=...)",
            )
        )
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


def _drain(sock: socket.socket, seconds: float) -> None:
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except (TimeoutError, OSError):
        pass
