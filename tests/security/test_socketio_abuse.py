"""Issue 17.3: a refused Socket.IO heartbeat costs no thread, and a browser page of another origin cannot open
a socket (plugins send no Origin, or the host's own: websocket-client sends the URL it connects to).
"""

from __future__ import annotations

import queue
import threading
import time

import pytest
import socketio
import websocket

NAMESPACE = "/plugin"


def _client(host) -> tuple[socketio.Client, queue.Queue]:
    client = socketio.Client(reconnection=False)
    errors: queue.Queue = queue.Queue()
    client.on("error", errors.put, namespace=NAMESPACE)
    client.connect(host.url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5)
    return client, errors


def test_a_flood_of_refused_heartbeats_starts_no_threads(host):
    plugin = host.create_plugin("target")
    wrong = {"id": plugin.id, "secret": "wrong"}
    first, errors = _client(host)
    first.emit("heartbeat", wrong, namespace=NAMESPACE)  # the first refusal closes at once...
    errors.get(timeout=5)
    first.disconnect()
    flood, errors = _client(host)  # ...the next ones close later (backoff for clients that reconnect at once)
    before = threading.active_count()
    try:
        for _ in range(300):
            flood.emit("heartbeat", wrong, namespace=NAMESPACE)
        errors.get(timeout=5)
        peak = before
        for _ in range(20):  # while the refusals are handled (the socket is closed a little later)
            time.sleep(0.02)
            peak = max(peak, threading.active_count())
    finally:
        flood.disconnect()
    assert peak - before < 10, f"{peak - before} threads started for 300 refused heartbeats"


def test_a_refused_socket_is_still_closed_after_its_delay(host):
    plugin = host.create_plugin("target")
    wrong = {"id": plugin.id, "secret": "wrong"}
    for _ in range(2):  # the second refusal of the same id is delayed (0.25 s)
        client, errors = _client(host)
        closed = threading.Event()
        client.on("disconnect", closed.set, namespace=NAMESPACE)
        client.emit("heartbeat", wrong, namespace=NAMESPACE)
        errors.get(timeout=5)
        assert closed.wait(5), "the refused socket was never closed"
        client.disconnect()


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:1", "null"])
def test_a_browser_page_of_another_origin_cannot_open_a_socket(host, origin):
    url = host.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, origin=origin, timeout=5)
    assert refused.value.status_code == 400


def test_plugins_send_no_origin_or_the_host_s_own_and_connect(host):
    url = host.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    for options in ({"suppress_origin": True}, {"origin": host.url}, {}):
        connection = websocket.create_connection(url, timeout=5, **options)
        try:
            assert connection.recv().startswith("0{")  # Engine.IO's open packet
        finally:
            connection.close()
    time.sleep(0.05)


def test_a_refused_socket_waiting_for_its_close_is_not_answered_again(host):
    """Each wrong heartbeat of a flood on one socket was looked up and answered, as fast as it was sent; a
    legitimate GET's p99 went to 9x its quiet one meanwhile (bench/abuse.py). Told once, then dropped unread."""
    plugin = host.create_plugin("target")
    wrong = {"id": plugin.id, "secret": "wrong"}
    first, errors = _client(host)
    first.emit("heartbeat", wrong, namespace=NAMESPACE)  # the first refusal of an id closes at once
    errors.get(timeout=5)
    first.disconnect()
    flood, errors = _client(host)
    closed = threading.Event()
    flood.on("disconnect", closed.set, namespace=NAMESPACE)
    try:
        flood.emit("heartbeat", wrong, namespace=NAMESPACE)
        assert "secret" in errors.get(timeout=5)
        for _ in range(50):
            flood.emit("heartbeat", wrong, namespace=NAMESPACE)
            flood.emit("log", {"level": "INFO", "msg": "x"}, namespace=NAMESPACE)
        assert closed.wait(5), "the refused socket was never closed"
        assert errors.qsize() == 0, f"{errors.qsize()} more answers to a socket already refused"
    finally:
        flood.disconnect()
    # A plugin with the right secret still connects, on a socket of its own.
    right, errors = _client(host)
    try:
        right.emit("heartbeat", {"id": plugin.id, "secret": plugin.secret}, namespace=NAMESPACE)
        host.hub.wait_live(plugin.id, timeout=5)
    finally:
        right.disconnect()
