"""Issue 17's abuse bench: after a burst of big requests (60 KB headers), the memory glibc kept in the
connection threads' arenas is handed back (`mockango serve` stayed 25 MiB bigger for good before);
ordinary requests never pay for it."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from mockango import MockAngo
from mockango.memory_return import TRIM_AFTER, MemoryReturn


def _wait_for_a_trim(memory: MemoryReturn) -> None:
    deadline = time.monotonic() + 5
    while memory.trims == 0 and time.monotonic() < deadline:
        time.sleep(0.02)


def _big_requests(url: str, count: int) -> None:
    host, port = url.removeprefix("http://").split(":")
    request = b"GET /v2/" + b"p" * 20_000 + b" HTTP/1.1\r\nHost: x\r\nUser-Agent: " + b"u" * 40_000 + b"\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        for _ in range(count):
            sock.sendall(request)
            got = b""
            while not (b"\r\n\r\n" in got and got.rstrip().endswith(b"}")):
                chunk = sock.recv(65536)
                assert chunk, "the host closed a kept-alive connection"
                got += chunk
            assert got.startswith(b"HTTP/1.1 401") or got.startswith(b"HTTP/1.1 404"), got[:80]


def test_a_burst_of_big_requests_hands_memory_back_once_it_is_over():
    with MockAngo() as host:
        memory = host._server.memory
        if not memory.available:
            pytest.skip("this C library has no malloc_trim")
        _big_requests(host.url, 3 * TRIM_AFTER // 60_000)
        _wait_for_a_trim(memory)
        assert 1 <= memory.trims <= 3  # one per second at most, however many requests


def test_ordinary_requests_never_hand_memory_back():
    with MockAngo() as host, requests.Session() as session:
        for _ in range(300):
            session.get(host.url + "/v2/listProjects", headers={"apikey": host.api_key}, timeout=10)
        time.sleep(1.5)
        assert host._server.memory.trims == 0


def test_a_hand_back_comes_a_moment_after_the_bytes_and_once_for_many():
    memory = MemoryReturn(after=1000, every=0.2)
    if not memory.available:
        pytest.skip("this C library has no malloc_trim")
    for _ in range(50):
        memory.read(100)
    assert memory.trims == 0  # not at once: a moment after the bytes that made it due
    _wait_for_a_trim(memory)
    time.sleep(0.4)
    assert memory.trims == 1  # once for the 5,000 bytes read before it
    memory.read(999)
    time.sleep(0.4)
    assert memory.trims == 1  # under the threshold again: nothing
