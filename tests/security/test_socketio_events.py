"""Issue 12.9: each wrong Socket.IO event on ``/plugin`` gets an ``error`` event saying why; nothing dies.

A raw python-socketio client sends what a broken or hostile plugin could: a log event
nested 100,000 deep, packets that are not Socket.IO, non-finite numbers, a 1 MB
heartbeat. After each (but the heartbeat, which a plugin must get right), the same
connection still works: a correct heartbeat makes the plugin live.
"""

from __future__ import annotations

import queue

import pytest
import socketio

from .conftest import DEEP, HUGE_INT

NAMESPACE = "/plugin"


@pytest.fixture
def raw_socket(host):
    """(client, errors, plugin): a connected, not yet authenticated client and the ``error`` events it got."""
    plugin = host.create_plugin("raw")
    client = socketio.Client(reconnection=False)
    errors: queue.Queue = queue.Queue()
    client.on("error", errors.put, namespace=NAMESPACE)
    client.connect(host.url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=5)
    try:
        yield client, errors, plugin
    finally:
        client.disconnect()


def _send_raw(client: socketio.Client, packet: str | bytes) -> None:
    """Send one Engine.IO message as is (a Socket.IO packet of our own making)."""
    client.eio.send(packet)


def _next_error(errors: queue.Queue) -> str:
    try:
        return errors.get(timeout=5)
    except queue.Empty:
        pytest.fail("no 'error' event came back")


def _still_usable(host, client, plugin) -> None:
    assert client.connected
    client.emit("heartbeat", {"id": plugin.id, "secret": plugin.secret}, namespace=NAMESPACE)
    host.wait_live(plugin.id, timeout=5)


@pytest.mark.parametrize(
    "packet, words",
    [
        ('2/plugin,["log",' + DEEP + "]", ["100 levels"]),
        ('2/plugin,["log",{"session": "x", "msg": NaN}]', ["finite"]),
        ('2/plugin,["log",{"session": "x", "msg": 1e999}]', ["finite"]),
        ('2/plugin,["log",{"n": ' + HUGE_INT + "}]", ["too many digits"]),
        ('2/plugin,["log",{"msg": "\\ud800"}]', ["surrogate"]),
        ('2/plugin,["log",{', ["not valid JSON"]),
        ('2/plugin,{"log": 1}', ["array"]),
        ("2/plugin,[]", ["array"]),
        ("2/plugin,[5, {}]", ["event name"]),
        ('2/plugin,["disconnect"]', ["reserved"]),
        ('2/plugin,["no_such_event", {}]', ["unknown event 'no_such_event'"]),
        ('51-/plugin,["log",{"_placeholder":true,"num":0}]', ["binary"]),
        ("9/plugin,[]", ["packet"]),
    ],
)
def test_a_wrong_event_gets_an_error_event_and_the_connection_stays_usable(host, raw_socket, packet, words):
    client, errors, plugin = raw_socket
    _send_raw(client, packet)
    message = _next_error(errors)
    for word in words:
        assert word in message, (word, message)
    _still_usable(host, client, plugin)


def test_a_log_event_with_a_wrong_shape_gets_an_error_event(host, raw_socket):
    client, errors, plugin = raw_socket
    _still_usable(host, client, plugin)
    client.emit("log", ["not", "an", "object"], namespace=NAMESPACE)
    assert "object" in _next_error(errors)
    client.emit("response", {"session": "f" * 24}, namespace=NAMESPACE)
    assert "not found" in _next_error(errors)
    assert host.is_live(plugin.id)


def test_a_1_mb_heartbeat_gets_an_error_event_that_says_why(host, raw_socket):
    client, errors, plugin = raw_socket
    client.emit("heartbeat", {"id": "x" * 1_000_000, "secret": plugin.secret}, namespace=NAMESPACE)
    message = _next_error(errors)
    assert "'id'" in message and len(message) < 500, message[:500]
    assert not host.is_live(plugin.id)


@pytest.mark.parametrize("heartbeat", [None, [], {"id": 5, "secret": "s"}, {"id": "a", "secret": {"x": 1}}])
def test_a_heartbeat_of_the_wrong_shape_says_what_a_heartbeat_holds(host, raw_socket, heartbeat):
    client, errors, plugin = raw_socket
    client.emit("heartbeat", heartbeat, namespace=NAMESPACE)
    assert "heartbeat" in _next_error(errors)
