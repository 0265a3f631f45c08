"""A websocket closed by its reader thread while Engine.IO's writer closes it too raises nothing.

simple-websocket's reader closes the socket when the peer goes; Engine.IO's writer, having just seen
the websocket open, then sends its close frame on the closed socket. The suite saw that as
``OSError: [Errno 9] Bad file descriptor`` in a ``writer`` thread, twice a run. Here the same order of
events is made to happen on purpose, with simple-websocket's own server class.
"""

from __future__ import annotations

import base64
import os
import socket
import threading

import pytest
import simple_websocket

from mockango.request_handler import WebsocketSocket


def handshaken(wrap) -> tuple[simple_websocket.Server, socket.socket, socket.socket]:
    """A simple-websocket server on one end of a socket pair, its handshake answered; and both ends."""
    ours, peer = socket.socketpair()
    environ = {
        "werkzeug.socket": wrap(ours),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_SEC_WEBSOCKET_KEY": base64.b64encode(os.urandom(16)).decode(),
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
    }
    server = simple_websocket.Server(environ, thread_class=lambda target: threading.Thread(target=target, daemon=True))
    assert peer.recv(4096).startswith(b"HTTP/1.1 101")
    return server, ours, peer


def close_after_the_reader_closed(wrap) -> None:
    server, ours, peer = handshaken(wrap)
    try:
        assert server.connected
        ours.close()  # what the reader thread does when the peer goes, after the writer looked
        server.close()  # the writer's close frame
        assert not server.connected
    finally:
        peer.close()  # wakes the reader, which finds the connection gone
        server.thread.join(5)


def test_the_writers_close_after_the_readers_is_quiet():
    close_after_the_reader_closed(WebsocketSocket)


def test_the_bare_socket_raises_there():
    """Shows the test above checks something: simple-websocket on the bare socket raises."""
    with pytest.raises(OSError) as raised:
        close_after_the_reader_closed(lambda sock: sock)
    assert not isinstance(raised.value, BrokenPipeError)


def test_the_connection_works_as_the_socket_does():
    server, ours, peer = handshaken(WebsocketSocket)
    try:
        server.send("hello")
        assert b"hello" in peer.recv(4096)
        assert server.sock.fileno() == ours.fileno()
    finally:
        peer.close()
        server.thread.join(5)
        ours.close()


def test_other_send_errors_are_not_hidden():
    ours, peer = socket.socketpair()
    peer.close()
    wrapped = WebsocketSocket(ours)
    try:
        with pytest.raises(OSError) as raised:
            for _ in range(100):  # the first sends may still be buffered
                wrapped.send(b"x" * 65536)
        assert raised.value.__cause__ is None  # the socket's own error, as it was raised
    finally:
        ours.close()
