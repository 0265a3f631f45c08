"""Issue 21.8: connections are kept alive (HTTP/1.1), framed exactly, and closed whenever framing is in doubt;
issue 17.7: what the protocol layer itself refuses (414, 431, a bad Content-Length) is JSON too.

Raw sockets, so that what is on the wire is what is checked.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import requests

from mockango import MockAngo


def _connect(host: MockAngo) -> socket.socket:
    name, port = host.url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((name, int(port)))
    sock.settimeout(5)
    return sock


class Answers:
    """Reads HTTP/1.1 answers one by one from a socket, by their own framing."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            assert self._fill(), "closed mid-answer"
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            assert self._fill(), "closed mid-body"
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def next(self, *, head: bool = False) -> tuple[int, dict, bytes]:
        status = int(self._line().split()[1])
        headers = {}
        while line := self._line():
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if head or status in (204, 304):
            return status, headers, b""
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int(self._line(), 16):
                body += self._exactly(size)
                self._exactly(2)
            self._line()
            return status, headers, body
        return status, headers, self._exactly(int(headers["content-length"]))

    def closed(self, timeout: float = 3) -> bool:
        self.sock.settimeout(timeout)
        try:
            return not self._fill() and True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False


def _get(host: MockAngo, path: str = "/api/info", extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\napikey: {host.api_key}\r\n{extra}\r\n".encode()


def test_one_connection_serves_many_requests(host):
    with _connect(host) as sock:
        answers = Answers(sock)
        for _ in range(5):
            sock.sendall(_get(host))
            status, headers, body = answers.next()
            assert status == 200 and json.loads(body)
            assert "close" not in headers.get("connection", "")


def test_pipelined_requests_are_answered_in_order(host):
    with _connect(host) as sock:
        sock.sendall(_get(host) + _get(host, "/v2/nowhere") + _get(host))
        answers = Answers(sock)
        assert [answers.next()[0] for _ in range(3)] == [200, 404, 200]


def test_a_head_answer_has_no_body_and_the_connection_goes_on(host):
    with _connect(host) as sock:
        answers = Answers(sock)
        sock.sendall(_get(host).replace(b"GET ", b"HEAD ", 1))
        status, headers, _ = answers.next(head=True)
        assert status == 200 and int(headers["content-length"]) > 0
        sock.sendall(_get(host))
        assert answers.next()[0] == 200


def test_a_chunked_request_body_is_read_whole_and_the_connection_goes_on(host):
    body = json.dumps({"name": "chunked plugin"}).encode()
    with _connect(host) as sock:
        answers = Answers(sock)
        sock.sendall(
            f"POST /api/plugins HTTP/1.1\r\nHost: x\r\napikey: {host.api_key}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
            + b"%x\r\n%s\r\n" % (5, body[:5])
            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body) - 5, body[5:])
        )
        status, _, answer = answers.next()
        assert status == 201, answer[:300]
        assert json.loads(answer)["name"] == "chunked plugin"
        sock.sendall(_get(host))
        assert answers.next()[0] == 200


def test_connection_close_and_http_1_0_are_honoured(host):
    for request in (_get(host, extra="Connection: close\r\n"), _get(host).replace(b"HTTP/1.1", b"HTTP/1.0", 1)):
        with _connect(host) as sock:
            answers = Answers(sock)
            sock.sendall(request)
            status, headers, _ = answers.next()
            assert status == 200 and headers["connection"] == "close"
            assert answers.closed()


def test_a_request_whose_end_cannot_be_known_is_refused_in_json_and_closed(host):
    for framing in (
        "Content-Length: ten\r\n",
        "Content-Length: 3\r\nContent-Length: 4\r\n",
        "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\n",
    ):
        with _connect(host) as sock:
            answers = Answers(sock)
            sock.sendall(_get(host, "/api/plugins", framing).replace(b"GET ", b"POST ", 1) + b"abc")
            status, headers, body = answers.next()
            assert status == 400, (framing, body)
            assert headers["content-type"] == "application/json"
            assert json.loads(body)["status"] == "error"
            assert answers.closed(), framing


def test_header_fields_too_large_and_a_long_request_line_answer_json(host):
    """http.server's own refusals were HTML pages, even on /v2 and /api."""
    cases = [
        (_get(host, "/v2/listProjects", "X-Big: " + "a" * 70_000 + "\r\n"), 431, "too large"),
        (_get(host, "/v2/listProjects", "".join(f"X-{n}: 1\r\n" for n in range(120))), 431, "headers"),
        (_get(host, "/v2/" + "a" * 70_000), 414, "request line"),
    ]
    for request, expected, words in cases:
        with _connect(host) as sock:
            sock.sendall(request)
            status, headers, body = Answers(sock).next()
            assert status == expected, body[:300]
            assert headers["content-type"] == "application/json"
            answer = json.loads(body)
            assert answer["status"] == "error" and words in answer["message"].lower(), answer


def test_a_session_of_requests_reuses_its_connection(host):
    """What the SDK does (requests.Session): one TCP connection for a run of calls."""
    accepted = []
    server = host._server
    original = server.process_request

    def counting(request, client_address):
        accepted.append(client_address)
        return original(request, client_address)

    server.process_request = counting
    with requests.Session() as session:
        session.headers["apikey"] = host.api_key
        for _ in range(20):
            assert session.get(host.url + "/api/info", timeout=5).status_code == 200
    assert len(accepted) == 1


def test_stopping_the_host_ends_its_kept_alive_connections_at_once():
    host = MockAngo(seed=1).start()
    before = threading.active_count()
    sockets = [_connect(host) for _ in range(5)]
    for sock in sockets:
        sock.sendall(_get(host))
        Answers(sock).next()
    began = time.monotonic()
    host.stop()
    assert time.monotonic() - began < 1.5
    assert all(Answers(sock).closed(1) for sock in sockets)
    deadline = time.monotonic() + 2
    while threading.active_count() >= before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() < before
    for sock in sockets:
        sock.close()
