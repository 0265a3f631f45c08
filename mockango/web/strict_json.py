"""Strict JSON on the wire, for Flask (bodies and answers) and Socket.IO (event payloads).

Both read with :func:`mockango.input_limits.loads` (no ``NaN``/``Infinity``, bounded
depth, encodable text) and write with ``allow_nan=False``, so every answer is JSON
that any strict parser reads.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider
from socketio import packet

from .. import input_limits


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


class StrictPacket(packet.Packet):
    """Socket.IO packets read and written with strict JSON (given as the server's ``serializer``,
    so other Socket.IO servers and clients in the process keep the library's default)."""

    json = _StrictSocketJSON
