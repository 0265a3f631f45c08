"""Strict JSON on the wire, for Flask (bodies and answers) and Socket.IO (event payloads).

Both read with :func:`mockango.input_limits.loads` (no ``NaN``/``Infinity``, bounded
depth, encodable text) and write with ``allow_nan=False``, so every answer is JSON
that any strict parser reads.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider
from socketio import packet

from ... import input_limits
from ...errors import InvalidRequest


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, strict both ways; a refused body raises :class:`~mockango.errors.InvalidRequest`."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return input_limits.loads(s)


class _StrictSocketJSON:
    """The ``json`` module a Socket.IO packet class uses, strict both ways."""

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        return input_limits.loads(text, where="the event's payload")

    @staticmethod
    def dumps(value: Any, **kwargs: Any) -> str:
        return input_limits.dumps(value, **kwargs)


RESERVED_EVENTS = ("connect", "connect_error", "disconnect")


class StrictPacket(packet.Packet):
    """Socket.IO packets read and written with strict JSON (given as the server's ``serializer``,
    so other Socket.IO servers and clients in the process keep the library's default).

    Reading also checks what the library would otherwise trip on later: an event must be
    ``[name, payload...]`` with a name that is not reserved, and binary attachments (which
    JSON state cannot hold) are refused.
    """

    json = _StrictSocketJSON

    def decode(self, encoded_packet: str | bytes) -> int:
        if isinstance(encoded_packet, (bytes, bytearray)) or encoded_packet[:1] in (
            str(packet.BINARY_EVENT),
            str(packet.BINARY_ACK),
        ):
            raise InvalidRequest("binary attachments are not accepted: send the event's payload as JSON")
        attachments = super().decode(encoded_packet)
        if self.packet_type == packet.EVENT:
            if not isinstance(self.data, list) or not self.data:
                raise InvalidRequest("an event must be a JSON array: [event name, payload]")
            if not isinstance(self.data[0], str):
                raise InvalidRequest(f"an event name must be text, got {self.data[0]!r}")
            if self.data[0] in RESERVED_EVENTS:
                raise InvalidRequest(f"'{self.data[0]}' is a reserved event name: a client cannot send it")
        return attachments
