"""Plugins: the callback, how it is called, and what goes back to the host.

The transport (Socket.IO or REST) only delivers run events and carries messages
back; everything about one run — the logger, the calling convention, turning an
exception into an error response — lives here, so both connectors behave alike.

:class:`Plugin` is the shape every plugin type shares: the callback gets the run
event and its return value goes back as ``{"response": ..., "session": ...}``.
Batch Model, File Explorer, Markdown and Input plugins are exactly that; Model and
Export plugins (``model.py``, ``export.py``) add their own steps around the callback.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
import traceback
from collections.abc import Callable
from typing import Any, ClassVar

from .contract import Connector
from .errors import CallbackSignatureError, PluginRefused
from .logger import PluginLogger

log = logging.getLogger("plugin_client")


def _calls_with_keywords(callback: Callable) -> bool:
    """True for ``callback(**data)`` (the seed's style), False for ``callback(data)`` (clients 1.3+)."""
    try:
        parameters = list(inspect.signature(callback).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in parameters)
    required = [p for p in positional if p.default is p.empty]
    if required:
        if len(required) > 1:
            raise CallbackSignatureError(
                f"callback {callback.__qualname__}{inspect.signature(callback)} needs {len(required)} arguments: "
                "write it as callback(**data) or callback(data)"
            )
        return False
    if takes_kwargs:
        return True
    if positional or any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return False
    raise CallbackSignatureError(
        f"callback {callback.__qualname__}{inspect.signature(callback)} takes no arguments: "
        "write it as callback(**data) or callback(data)"
    )


class Plugin:
    """A plugin: its id and secret on the host, and the function that does the work.

    ``callback`` gets the run event plus ``logger``, either as keywords or as one
    dict, and returns the answer shown to the user. It runs in a worker thread, so
    the connection stays alive however long it takes. ``host`` is the API base URL
    the plugin's own SDK calls go to (defaults to the host given to :func:`run`).
    """

    plugin_type: ClassVar[str] = "batch-model"
    answers_rest_through_sdk: ClassVar[bool] = False
    """Over REST, whether the answer goes to ``POST /v2/pluginResponse`` instead of the HTTP reply."""

    def __init__(
        self,
        id: str,
        secret: str,
        callback: Callable[..., Any],
        *,
        workers: int = 4,
        heartbeat_interval: float = 60.0,
        host: str | None = None,
    ) -> None:
        if not id or not secret:
            raise ValueError(
                f"{type(self).__name__} needs the plugin's id and secret (shown on the host's plugin page)"
            )
        if not callable(callback):
            raise TypeError("callback must be a function")
        self.id, self.secret, self.callback = id, secret, callback
        self.workers = workers
        self.heartbeat_interval = heartbeat_interval
        self.host = host
        self._keywords = _calls_with_keywords(callback)
        self.connector: Connector | None = None

    def call(self, data: dict) -> Any:
        """Call the callback with ``data`` in the convention its signature asks for."""
        return self.callback(**data) if self._keywords else self.callback(data)

    def handle_run(self, event: dict, send_log: Callable[[dict], None]) -> dict | None:
        """Run one event; return the message to send back, or None when there is none to send.

        Never raises: an exception becomes a logged traceback and ``{"error": True}``.
        """
        session = event.get("session")
        logger = PluginLogger(
            send_log, plugin_id=self.id, session=session, organization=event.get("orgId"), run_by=event.get("runBy")
        )
        data = {**event, "logger": logger}
        data.setdefault("batches", [])
        try:
            return self.run_event(data)
        except Exception:
            text = traceback.format_exc()
            log.error("%s run failed for session %s:\n%s", self.plugin_type, session, text)
            try:
                logger.error(text.rstrip())
            except Exception:
                log.exception("could not send the traceback to the host")
            return {"error": True, "session": session}

    def run_event(self, data: dict) -> dict | None:
        """This type's work for one run (``data`` holds the event and ``logger``); may raise."""
        return {"response": self.call(data), "session": data.get("session")}

    def stop(self) -> None:
        """Stop :func:`run` (from another thread, or a callback)."""
        if self.connector is not None:
            self.connector.stop()


class BatchModelPlugin(Plugin):
    """A Batch Model plugin: runs a model over a project (event: ``projectId``, ``categorySchema``,
    ``batches``, ``configJSON``, ``apiKey``, ...); returns the message shown to the user."""

    plugin_type = "batch-model"


class FileExplorerPlugin(Plugin):
    """A File Explorer plugin: lists a storage's folder or uploads its files as assets.

    Event: ``bucket``, ``folder``, ``files``, ``upload``, ``projectId``, ``storageId``,
    ``scrollToken``, ``apiKey``. Browsing returns ``{"folders", "files", "scrollToken"}``;
    uploading (``upload`` true) creates assets and returns a message.
    """

    plugin_type = "file-explorer"


class MarkdownPlugin(Plugin):
    """A Markdown plugin: turns the user's file (``inputFile``, base64) and template
    (``markdownText``) into markdown assets; returns a message."""

    plugin_type = "markdown"


class InputPlugin(Plugin):
    """An Input plugin: gets ``fileExplorerOptions`` and returns its answer."""

    plugin_type = "input"


def run(plugin: Plugin, host: str | None = None, *, connector: str | None = None) -> None:
    """Connect the plugin to the host and serve runs until :meth:`Plugin.stop`.

    ``connector`` is ``"WS"`` (Socket.IO, the default) or ``"REST"``; when not given it
    comes from the ``CONNECTOR`` environment variable, as with the official client.
    """
    from .sdk import resolve_host

    if not logging.getLogger().handlers:
        # A plugin process's entry point: show its log lines on the console, as the official client does.
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    kind = (connector or os.environ.get("CONNECTOR") or "WS").upper()
    base = resolve_host(host or plugin.host)
    if not plugin.host:
        plugin.host = base
    if kind == "WS":
        from .socket_connector import SocketConnector

        plugin.connector = SocketConnector(plugin, base)
    elif kind == "REST":
        from .rest_connector import RestConnector

        plugin.connector = RestConnector(plugin, base)
    else:
        raise ValueError(f"unknown connector {kind!r}: use 'WS' (Socket.IO) or 'REST'")
    serve_or_exit(plugin.connector)


def serve_or_exit(connector: Connector) -> None:
    """Serve until stopped. A refusal in a process's main thread (a plugin script) ends the
    process with one line that says what to do and exit status 1, not a traceback; in any
    other thread it raises :class:`PluginRefused` for the caller to handle. Ctrl+C ends a
    plugin script at once with one line and exit status 130, abandoning any run in flight
    (the host ends it as disconnected), instead of a traceback and a wait for the callback."""
    try:
        connector.serve_forever()
    except PluginRefused as refused:
        if threading.current_thread() is not threading.main_thread():
            raise
        raise SystemExit(refused.advice()) from None
    except KeyboardInterrupt:
        connector.stop()
        running = getattr(connector, "runs_in_flight", 0)
        abandoned = (
            f"; {running} run{'s' if running != 1 else ''} in flight abandoned: the host ends "
            f"{'them' if running != 1 else 'it'} as disconnected"
            if running
            else ""
        )
        log.info("stopped (Ctrl+C)%s", abandoned)
        raise SystemExit(130) from None
