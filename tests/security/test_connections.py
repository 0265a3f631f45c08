"""Issue 13.7: idle connections are closed after a read timeout, and a connection cap refuses clearly.

Healthy Socket.IO websockets are exempt from the read timeout: they are quiet between
Engine.IO pings (25 s) and Engine.IO's own ping timeout watches them.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests
import socketio

from mockango import MockAngo


def _address(host: MockAngo) -> tuple[str, int]:
    name, port = host.url.removeprefix("http://").rsplit(":", 1)
    return name, int(port)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


@pytest.fixture
def quick_host():
    with MockAngo(seed=1, read_timeout=0.5, max_connections=8) as server:
        yield server


@pytest.mark.parametrize(
    "sent",
    [
        b"",
        b"GET /api/info HTTP/1.1\r\nHost: x\r\n",
        b"POST /api/plugins HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
    ],
)
def test_a_connection_that_never_completes_its_request_is_closed(quick_host, sent):
    with socket.create_connection(_address(quick_host)) as idle:
        idle.sendall(sent)
        assert _closed_within(idle, 5), "the idle connection was kept open"


def test_idle_connections_release_their_threads(quick_host):
    before = threading.active_count()
    idle = [socket.create_connection(_address(quick_host)) for _ in range(6)]
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and threading.active_count() > before:
            time.sleep(0.05)
        assert threading.active_count() <= before
    finally:
        for sock in idle:
            sock.close()


def test_connections_over_the_cap_get_a_clear_503_and_service_resumes(quick_host):
    # Two clients (loopback has many addresses) fill the cap: one alone may take only half of it.
    idle = [
        socket.create_connection(_address(quick_host), source_address=(f"127.0.0.{2 + n % 2}", 0)) for n in range(8)
    ]
    try:
        time.sleep(0.1)  # let the server accept them all
        answer = requests.get(quick_host.url + "/api/info", headers={"apikey": quick_host.api_key}, timeout=5)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "1"
        message = json.loads(answer.text)["message"]
        assert "8 connections" in message and "--max-connections" in message
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 5
    while True:
        answer = requests.get(quick_host.url + "/api/info", headers={"apikey": quick_host.api_key}, timeout=5)
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert answer.status_code == 200


def test_a_quiet_healthy_websocket_outlives_the_read_timeout(quick_host):
    """A client that never reconnects: a cut would show as a closed client and an offline plugin."""
    plugin = quick_host.create_plugin("Quiet", class_names=["Vehicle"])
    client = socketio.Client(reconnection=False)
    runs = []
    client.on("plugin", runs.append, namespace="/plugin")
    client.connect(quick_host.url, namespaces=["/plugin"], transports=["websocket"], wait_timeout=5)
    try:
        client.emit("heartbeat", {"id": plugin.id, "secret": plugin.secret}, namespace="/plugin")
        quick_host.wait_live(plugin.id, timeout=5)
        time.sleep(2.0)  # four read timeouts with no traffic on the socket
        assert client.connected
        assert quick_host.is_live(plugin.id)
        session = quick_host.start_run(plugin.id, timeout=10)
        deadline = time.monotonic() + 5
        while not runs and time.monotonic() < deadline:
            time.sleep(0.02)
        assert runs and runs[0]["session"] == session.id
    finally:
        client.disconnect()
