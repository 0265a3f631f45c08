"""HTTP/1.1 on werkzeug's threaded server: kept-alive connections, one deadline per request, no body left unread.

Werkzeug's own handler answers every request with ``Connection: close`` and then reads the
socket until it is quiet (its keep-alive mode would eat the next request); a body the route
did not read kept the connection and its thread until the read timeout. This handler runs
the WSGI app itself:

- a connection stays open for the next request (HTTP/1.1, unless the client says
  ``Connection: close``); it may stay silent at most :data:`KEEPALIVE_TIMEOUT` seconds
  before a request (a new connection too) or it is closed;
- a request must be whole — request line, headers and the body the app reads — within the
  server's ``read_timeout`` of its first byte, however slowly it drips (408, then closed);
- after the answer, an unread body of up to :data:`DRAIN_LIMIT` bytes is read and dropped
  so the connection can serve again; a larger one closes the connection at once (after a
  short linger, so the client still reads the answer rather than a reset);
- errors the protocol layer answers itself (414, 431, 400 for a bad request line) are JSON
  like every other refusal of the host;
- a request of a client address that used much more CPU lately than another whose request is
  being served waits its turn, briefly, before it is read (:mod:`mockango.fair_share`).

A request that upgrades to a websocket keeps its socket without a deadline: Engine.IO's own
ping timeout watches it, and the connection ends with the websocket.
"""

from __future__ import annotations

import io
import json
import socket
import time
from contextlib import AbstractContextManager, nullcontext
from http import HTTPStatus
from typing import TYPE_CHECKING

from werkzeug.exceptions import RequestTimeout
from werkzeug.serving import WSGIRequestHandler

from .errors import error_body

if TYPE_CHECKING:
    from .connections import BoundedWSGIServer

KEEPALIVE_TIMEOUT = 5.0
"""Seconds a connection may wait, silent, for its next request (never more than the read timeout)."""
DRAIN_LIMIT = 1024 * 1024
"""An unread request body up to this size is read and dropped after the answer; a larger one closes."""
LINGER = 1.0
"""Seconds spent dropping what a client still sends after its connection is closed with a body unread."""
MAX_REQUEST_LINE = 65536
_DROPPED = (ConnectionError, TimeoutError)


class DeadlineReader(io.RawIOBase):
    """The socket as a raw stream whose reads fail with ``TimeoutError`` once a deadline has passed."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.deadline = float("inf")
        self.received = 0
        """Bytes read so far (the server's :class:`~mockango.memory_return.MemoryReturn` counts them)."""

    def arm(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request was not whole by its deadline")
        self._sock.settimeout(left)
        count = self._sock.recv_into(buffer)
        self.received += count
        return count


class RequestBody:
    """``wsgi.input``: the request's body and nothing past it, counted; its deadline answers 408."""

    def __init__(self, stream, length: int | None) -> None:
        self._stream = stream
        self.left = length
        """Bytes not read yet (None: a chunked body, whole once ``finished``)."""
        self.finished = length == 0

    def _bounded(self, size: int | None) -> int | None:
        if self.left is None:
            return size
        return self.left if size is None or size < 0 else min(size, self.left)

    def _count(self, data: bytes, asked: int | None) -> bytes:
        if self.left is not None:
            self.left -= len(data)
            self.finished = self.left <= 0
        elif not data and asked != 0:
            self.finished = True
        return data

    def read(self, size: int | None = -1) -> bytes:
        if self.finished:
            return b""
        size = self._bounded(size)
        try:
            return self._count(self._stream.read(size), size)
        except TimeoutError:
            raise RequestTimeout("the request body did not arrive within the host's read timeout")

    def readline(self, size: int | None = -1) -> bytes:
        if self.finished:
            return b""
        size = self._bounded(size)
        try:
            return self._count(self._stream.readline(size), size)
        except TimeoutError:
            raise RequestTimeout("the request body did not arrive within the host's read timeout")

    def __iter__(self):
        while line := self.readline():
            yield line

    def drain(self, limit: int) -> bool:
        """Read and drop the rest, up to ``limit`` bytes; True when the body is now whole."""
        dropped = 0
        while not self.finished and dropped <= limit:
            dropped += len(self.read(min(65536, limit + 1 - dropped)))
        return self.finished


class WebsocketSocket:
    """A websocket's connection as simple-websocket uses it: a send on it after it was closed is a
    :class:`BrokenPipeError`, which simple-websocket takes for a closed connection.

    simple-websocket's reader thread closes the socket when the plugin goes away; Engine.IO's writer
    thread, which checked that the websocket was still open just before, then sends its close frame
    on the closed socket. That raised ``OSError: [Errno 9] Bad file descriptor`` in the writer
    thread, printed by the host (and reported by pytest as an unhandled thread exception in the
    suites of plugins using the fixture) now and then when a plugin disconnected.
    """

    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection

    def send(self, data: bytes) -> int:
        try:
            return self._connection.send(data)
        except OSError as exc:
            if self._connection.fileno() == -1:  # closed on this side meanwhile
                raise BrokenPipeError("the websocket's connection was closed") from exc
            raise

    def __getattr__(self, name: str):
        return getattr(self._connection, name)


class RequestHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive and per-request deadlines (see the module's docstring); quiet logs."""

    protocol_version = "HTTP/1.1"
    verbose = False
    server: BoundedWSGIServer
    rfile: io.BufferedReader
    # Nagle's algorithm stays on (as in werkzeug): an answer's head and body leave in one write instead
    # (see _Answer), and a plugin's last event and the close that follows still arrive together (with
    # TCP_NODELAY plugin_client sometimes saw the close of a refused socket before its `error` event).

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.reader = DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self.reader, 65536)
        self.answered = 0
        self.linger = False

    # ------------------------------------------------------------ the loop

    def handle(self) -> None:
        self.close_connection = True
        try:
            self.handle_one_request()
            while not self.close_connection and not self.server.closing:
                self.handle_one_request()
        except _DROPPED:
            self.close_connection = True

    def handle_one_request(self) -> None:
        self.close_connection = True
        read_timeout = self.server.read_timeout
        self.reader.arm(min(KEEPALIVE_TIMEOUT, read_timeout))
        self.server.waiting(self.connection, True)
        try:
            if not self.rfile.peek(1):
                return  # the client closed the connection
        except _DROPPED:
            return  # silent for too long: closed without an answer, as nothing was asked
        finally:
            self.server.waiting(self.connection, False)
        address = self.client_address[0] if isinstance(self.client_address, tuple) else str(self.client_address)
        fair_share = self.server.fair_share
        fair_share.wait_turn(address)
        began = time.thread_time()
        try:
            self._read_and_answer(read_timeout, address)
        finally:
            fair_share.count(address, time.thread_time() - began)

    def _read_and_answer(self, read_timeout: float, address: str) -> None:
        self.reader.arm(read_timeout)
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG, "the request line is too long")
                return
            if not self.parse_request():
                return  # answered by send_error
        except TimeoutError:
            self._answer_timeout()
            return
        try:
            # a Socket.IO request (a websocket lives as long as its plugin) is never counted as being served
            if self.path.startswith("/socket.io"):
                served: AbstractContextManager[None] = nullcontext()
            else:
                self.server.fair_share.wait_turn(address)  # again: a lighter client's request may have come meanwhile
                served = self.server.fair_share.serving(address)
            with served:
                self.run_wsgi()
        finally:
            self.server.memory.read(self.reader.received)
            self.reader.received = 0
        self.answered += 1

    def finish(self) -> None:
        if self.linger:
            self._drop_what_is_still_sent()
        super().finish()

    # ------------------------------------------------------------ one request

    def run_wsgi(self) -> None:
        framing = _framing_problem(self.headers)
        if framing:
            self.send_error(HTTPStatus.BAD_REQUEST, framing)
            return
        environ = self.environ = self.make_environ()
        chunked = environ.get("wsgi.input_terminated", False)
        body = RequestBody(environ["wsgi.input"], None if chunked else int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = body
        websocket = environ.get("HTTP_UPGRADE", "").lower() == "websocket"
        if websocket:
            self.connection.settimeout(None)  # Engine.IO's ping timeout watches a websocket
            self.close_connection = True
            environ["werkzeug.socket"] = WebsocketSocket(self.connection)
        answer = _Answer(self, environ, body)
        try:
            result = self.server.app(environ, answer.start_response)
            try:
                for data in result:
                    answer.write(data)
                answer.end()
            finally:
                if hasattr(result, "close"):
                    result.close()
        except _DROPPED:
            self.close_connection = True  # the client went away, or a websocket ended
            return
        except Exception:
            self.close_connection = True
            self.server.log_crash(environ)
            if not answer.sent:
                answer.fail()
            return
        if not self.close_connection and not body.drain(DRAIN_LIMIT):
            self.close_connection = True
        if self.close_connection and not body.finished:
            self.linger = True

    # ------------------------------------------------------------ answers of the protocol layer

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A JSON refusal (werkzeug and http.server would write an HTML page), then the connection closes."""
        status = HTTPStatus(code)
        detail = "; ".join(part for part in (message, explain) if part)
        self._send_json(status, f"{status.phrase}: {detail}" if detail else status.phrase)

    def _answer_timeout(self) -> None:
        seconds = self.server.read_timeout
        self._send_json(
            HTTPStatus.REQUEST_TIMEOUT,
            f"the request was not whole within {seconds:g} s of its first byte; raise the limit with "
            "`mockango serve --read-timeout SECONDS` or MockAngo(read_timeout=...)",
        )

    def _send_json(self, status: HTTPStatus, message: str) -> None:
        self.close_connection = True
        payload = json.dumps(error_body(status.value, message)).encode()
        if not getattr(self, "request_version", ""):
            self.request_version = "HTTP/1.1"  # a status line even when the request line was unreadable
        try:
            self.send_response(status.value, status.phrase)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", "") != "HEAD":
                self.wfile.write(payload)
        except OSError:
            pass
        self.linger = True

    def _drop_what_is_still_sent(self) -> None:
        """Close politely: stop sending, then drop the client's bytes for a moment, so that closing with
        unread data does not reset the connection before the client has read its answer."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.reader.arm(LINGER)
            while self.rfile.read1(65536):
                pass
        except (OSError, ValueError):
            pass

    # ------------------------------------------------------------ logs

    def connection_dropped(self, error, environ=None):  # noqa: D401 - werkzeug hook
        self.close_connection = True

    def log_request(self, code="-", size="-"):
        if self.verbose:
            super().log_request(code, size)

    def log_error(self, format, *args):  # noqa: A002 - http.server's signature
        if self.verbose:
            super().log_error(format, *args)


class VerboseRequestHandler(RequestHandler):
    verbose = True


class _Answer:
    """The WSGI ``start_response``/``write`` of one request, framed for a kept-alive connection."""

    def __init__(self, handler: RequestHandler, environ: dict, body: RequestBody) -> None:
        self.handler = handler
        self.environ = environ
        self.body = body
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.sent = False
        self.chunked = False
        self.bodiless = False

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info=None):
        if exc_info:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response called twice")
        self.status, self.headers = status, headers
        return self.write

    def _head(self, status: str) -> bytes:
        """The status line and headers, framed for the connection (decides whether it stays open)."""
        handler = self.handler
        code_text, _, phrase = status.partition(" ")
        code = int(code_text)
        handler.log_request(code)
        names = {name.lower() for name, _ in self.headers}
        self.bodiless = self.environ["REQUEST_METHOD"] == "HEAD" or code < 200 or code in (204, 304)
        if not handler.close_connection and not self._body_can_be_drained():
            handler.close_connection = True
        if "content-length" not in names and not self.bodiless:
            if handler.request_version == "HTTP/1.1":
                self.chunked = True
            else:
                handler.close_connection = True  # the end of the answer is the end of the connection
        lines = [
            f"{handler.request_version} {code} {phrase}",
            f"Server: {handler.version_string()}",
            f"Date: {handler.date_time_string()}",
        ]
        lines += [f"{name}: {value}" for name, value in self.headers if name.lower() != "connection"]
        if self.chunked:
            lines.append("Transfer-Encoding: chunked")
        if handler.close_connection:
            lines.append("Connection: close")
        elif handler.request_version != "HTTP/1.1":
            lines.append("Connection: keep-alive")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _body_can_be_drained(self) -> bool:
        body = self.body
        return body.finished or (body.left is not None and body.left <= DRAIN_LIMIT)

    def write(self, data: bytes) -> None:
        if self.status is None:
            raise AssertionError("write() before start_response")
        head = b""
        if not self.sent:
            head = self._head(self.status)
            self.sent = True
        out = self.handler.wfile
        if self.bodiless or not data:
            if head:
                out.write(head)
        elif len(data) > 65536:  # not worth a copy: the head goes first, alone
            out.write(head + (b"%x\r\n" % len(data) if self.chunked else b""))
            out.write(data)
            if self.chunked:
                out.write(b"\r\n")
        elif self.chunked:
            out.write(b"%s%x\r\n%s\r\n" % (head, len(data), data))
        else:
            out.write(head + data)

    def end(self) -> None:
        if not self.sent:
            self.write(b"")
        if self.chunked:
            self.handler.wfile.write(b"0\r\n\r\n")

    def fail(self) -> None:
        """A 500 when the app crashed before answering (its own error handler normally answers)."""
        payload = json.dumps(
            error_body(500, "mockango failed on this request (the traceback is in the server's log)")
        ).encode()
        self.status = "500 Internal Server Error"
        self.headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        try:
            self.write(payload)
        except OSError:
            pass


def _framing_problem(headers) -> str | None:
    """Why the body's end cannot be known for sure (then the next request on the connection could not
    be found either), or None."""
    lengths = headers.get_all("Content-Length") or []
    encodings = headers.get_all("Transfer-Encoding") or []
    if encodings:
        if [e.strip().lower() for e in encodings] != ["chunked"]:
            return f"Transfer-Encoding must be 'chunked' alone, got {', '.join(encodings)!r}"
        if lengths:
            return "a request has either Content-Length or Transfer-Encoding: chunked, not both"
    if len(lengths) > 1:
        return "a request has at most one Content-Length"
    if lengths and not (lengths[0].strip().isdigit() and lengths[0].strip().isascii()):
        return f"Content-Length must be a whole number of bytes, got {lengths[0]!r}"
    return None
