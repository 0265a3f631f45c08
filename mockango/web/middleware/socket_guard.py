"""Every Socket.IO packet the server cannot read gets an ``error`` event that says why.

python-socketio decodes a packet in the Engine.IO message handler, where a parse
error is only logged and the sender hears nothing. Wrapping that handler turns each
refusal (from :class:`~mockango.web.middleware.strict_json.StrictPacket` or the library) into an
``error`` event on the sender's namespace; the connection stays open.
"""

from __future__ import annotations

import logging

import socketio

from ...errors import MockangoError

logger = logging.getLogger("mockango.socket")


def report_unreadable_packets(server: socketio.Server, namespace: str) -> None:
    """Answer unreadable packets on ``server`` with an ``error`` event on ``namespace``."""
    handle = server._handle_eio_message  # the library's own handler, kept as is for good packets

    def guarded(eio_sid: str, data) -> None:
        try:
            handle(eio_sid, data)
        except MockangoError as error:
            _tell(server, eio_sid, namespace, error.message)
        except ValueError as error:  # the library's own parse errors say what was wrong
            _tell(server, eio_sid, namespace, f"the Socket.IO packet could not be read: {error}")
        except Exception:
            logger.exception("unreadable Socket.IO packet from %s", eio_sid)
            _tell(
                server,
                eio_sid,
                namespace,
                "the Socket.IO packet could not be read: it is not a "
                "Socket.IO event packet ([event name, payload] as JSON)",
            )

    server.eio.on("message", guarded)


def _tell(server: socketio.Server, eio_sid: str, namespace: str, message: str) -> None:
    sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
    if sid is not None:
        server.emit("error", message, to=sid, namespace=namespace)
