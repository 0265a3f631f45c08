"""The logger put into ``data["logger"]``: what a plugin logs shows on its session in the host."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
local_logger = logging.getLogger("plugin_client.session")


class PluginLogger:
    """Sends each message to the host as a ``log`` event of the run's session.

    Messages are also passed to the standard ``logging`` module (logger
    ``plugin_client.session``), so they show in the plugin's own console too.
    Extra keyword arguments travel as extra fields of the event.
    """

    def __init__(
        self,
        send: Callable[[dict], None],
        *,
        plugin_id: str,
        session: str | None,
        organization: str | None = None,
        run_by: str | None = None,
    ) -> None:
        self._send = send
        self.fields = {"organization": organization, "pluginId": plugin_id, "runBy": run_by, "session": session}

    def log(self, level: str, msg: Any, **extra: Any) -> None:
        level = level.upper()
        if level not in LEVELS:
            raise ValueError(f"unknown log level {level!r}: use one of {', '.join(LEVELS)}")
        local_logger.log(getattr(logging, level), "[%s] %s", self.fields["session"], msg)
        self._send({"level": level, **self.fields, "msg": str(msg), **extra})

    def debug(self, msg: Any, **extra: Any) -> None:
        self.log("DEBUG", msg, **extra)

    def info(self, msg: Any, **extra: Any) -> None:
        self.log("INFO", msg, **extra)

    def warning(self, msg: Any, **extra: Any) -> None:
        self.log("WARNING", msg, **extra)

    warn = warning

    def error(self, msg: Any, **extra: Any) -> None:
        self.log("ERROR", msg, **extra)

    def critical(self, msg: Any, **extra: Any) -> None:
        self.log("CRITICAL", msg, **extra)
