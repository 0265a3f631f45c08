"""The web layer: thin Flask and Flask-SocketIO adapters over a :class:`~mockango.hub.Hub`."""

from .app import create_app

__all__ = ["create_app"]
