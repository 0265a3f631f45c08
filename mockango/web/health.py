"""``GET /health``: what a container health check or a CI wait loop polls (no API key).

``200 {"status": "ok", "version"}`` once the host serves and its store answers a read;
``503 {"status": "starting"}`` while ``mockango serve`` is still starting (every other path
answers 503 then too, with ``Retry-After``), ``503 {"status": "error"}`` when the store cannot be
read. It sits in front of the Flask app: it is not part of the simulated Ango surface, so it is
not journaled, faults do not touch it, and it costs one small read.
"""

from __future__ import annotations

import json
import logging
import threading
from importlib.metadata import PackageNotFoundError, version

from ..hub import Hub

PATH = "/health"
logger = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("mockango-host")
    except PackageNotFoundError:  # a checkout on sys.path without being installed
        return "unknown"


class HealthCheck:
    """WSGI middleware answering :data:`PATH`, and 503 to everything while the host is starting."""

    def __init__(self, app, hub: Hub, *, starting: bool = False) -> None:
        self.app = app
        self.hub = hub
        self.version = _version()
        self._ready = threading.Event()
        if not starting:
            self._ready.set()

    def ready(self) -> None:
        """Start-up is over: answer every request (``mockango serve`` calls it once its demo plugin exists)."""
        self._ready.set()

    def status(self) -> tuple[int, dict]:
        """(HTTP status, body) of ``GET /health`` now."""
        if not self._ready.is_set():
            return 503, {"status": "starting", "version": self.version}
        try:
            self.hub.store.probe("SELECT EXISTS (SELECT 1 FROM organizations)")
        except Exception:
            # The cause goes to the log; an answer carries no exception text.
            logger.exception("GET /health: the store in %s cannot be read", self.hub.store.where)
            return 503, {
                "status": "error",
                "version": self.version,
                "message": f"mockango cannot read its state ({self.hub.store.where}): its log says why",
            }
        return 200, {"status": "ok", "version": self.version}

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, body = self.status()
            return self._answer(environ, start_response, status, body)
        if not self._ready.is_set():
            body = {"status": "error", "message": "mockango is starting: try again in a moment (GET /health says when)"}
            return self._answer(environ, start_response, 503, body, retry_after="1")
        return self.app(environ, start_response)

    @staticmethod
    def _answer(environ, start_response, status: int, body: dict, retry_after: str | None = None):
        data = json.dumps(body).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if retry_after:
            headers.append(("Retry-After", retry_after))
        start_response(f"{status} {'OK' if status == 200 else 'Service Unavailable'}", headers)
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [data]
