"""Issue 17.4: a request is whole by its deadline however slowly it drips, one client address cannot take
every connection, and a body the route does not read never holds its connection after the answer.

Real sockets against a real host on loopback; the abusive client speaks from another loopback address
(127.0.0.2), as a second machine would.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests

from mockango import MockAngo

ABUSER = ("127.0.0.2", 0)


def _address(host: MockAngo) -> tuple[str, int]:
    name, port = host.url.removeprefix("http://").rsplit(":", 1)
    return name, int(port)


def _read_answer(sock: socket.socket, timeout: float) -> bytes:
    """Everything until the connection closes, or what came within ``timeout`` seconds."""
    sock.settimeout(timeout)
    got = b""
    try:
        while chunk := sock.recv(65536):
            got += chunk
    except TimeoutError:
        pass
    except ConnectionResetError:
        pass
    return got


@pytest.fixture
def deadline_host():
    with MockAngo(seed=1, read_timeout=1.0, max_connections=20) as server:
        yield server


def test_a_request_dripping_one_byte_at_a_time_is_cut_at_its_deadline(deadline_host):
    """Never silent for more than 0.2 s, yet not whole 1 s after its first byte: 408, then closed."""
    request = b"GET /api/info HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    with socket.create_connection(_address(deadline_host)) as slow:
        began = time.monotonic()
        answer = b""
        slow.settimeout(0.2)
        for byte in request:
            try:
                slow.sendall(bytes([byte]))
            except OSError:
                break
            try:
                answer += slow.recv(65536)
            except TimeoutError:
                continue
            if answer or time.monotonic() - began > 10:
                break
        answer += _read_answer(slow, 3)
        took = time.monotonic() - began
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"--read-timeout" in answer
    assert took < 3, took


def test_a_body_dripping_past_the_deadline_is_a_408_not_a_500(deadline_host):
    with socket.create_connection(_address(deadline_host)) as slow:
        slow.sendall(
            b"POST /api/plugins HTTP/1.1\r\nHost: x\r\napikey: "
            + deadline_host.api_key.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"
        )
        for _ in range(10):
            time.sleep(0.2)
            try:
                slow.sendall(b" ")
            except OSError:
                break
        answer = _read_answer(slow, 3)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:300]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["status"] == "error"


def test_one_client_address_cannot_take_every_connection(deadline_host):
    """20 connections at most; a client at 127.0.0.2 holding as many as it may leaves room for others."""
    held = []
    try:
        for _ in range(20):
            held.append(socket.create_connection(_address(deadline_host), source_address=ABUSER))
        time.sleep(0.2)  # the host has accepted them all (those over its share are answered 503 and closed)
        refused = sum(1 for sock in held if _read_answer(sock, 0.05).startswith(b"HTTP/1.1 503"))
        assert refused == 10
        for _ in range(5):
            answer = requests.get(deadline_host.url + "/api/info", headers={"apikey": deadline_host.api_key}, timeout=5)
            assert answer.status_code == 200, answer.text[:300]
    finally:
        for sock in held:
            sock.close()


def test_a_body_the_route_does_not_read_does_not_hold_the_connection(host):
    """~60 KB posted to a route that ignores it: the connection serves its next request at once."""
    body = b"x" * 60_000
    with socket.create_connection(_address(host)) as client:
        client.sendall(
            b"POST /v2/nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        first = _read_answer_of(client)
        assert first.startswith(b"HTTP/1.1 404 "), first[:200]
        began = time.monotonic()
        client.sendall(b"GET /api/info HTTP/1.1\r\nHost: x\r\napikey: " + host.api_key.encode() + b"\r\n\r\n")
        second = _read_answer_of(client)
        assert second.startswith(b"HTTP/1.1 200 "), second[:200]
        assert time.monotonic() - began < 2


def test_a_body_too_big_to_drain_closes_the_connection_at_once(host):
    """A body over the drain limit that the route refuses unread (413): answered, then closed, no wait."""
    before = threading.active_count()
    with socket.create_connection(_address(host)) as client:
        client.sendall(
            b"POST /api/plugins HTTP/1.1\r\nHost: x\r\napikey: "
            + host.api_key.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"
        )
        began = time.monotonic()
        answer = _read_answer(client, 5)
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
        assert b"Connection: close" in answer
        assert time.monotonic() - began < 3
    deadline = time.monotonic() + 3
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before


def _read_answer_of(sock: socket.socket, timeout: float = 5) -> bytes:
    """One whole answer (head and its Content-Length of body) from a kept-alive connection."""
    sock.settimeout(timeout)
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = sock.recv(65536)
        assert chunk, "closed before the answer's head"
        got += chunk
    head, body = got.split(b"\r\n\r\n", 1)
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed before the answer's body"
        body += chunk
    return head + b"\r\n\r\n" + body
