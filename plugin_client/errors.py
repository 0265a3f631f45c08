"""One exception family for the plugin side."""

from __future__ import annotations

from typing import Any


class PluginClientError(Exception):
    """Base class of every error plugin_client raises on purpose."""


class SDKError(PluginClientError):
    """The host refused a REST call. Carries the HTTP status and the host's own message.

    ``errors`` holds the host's list of detailed errors when it sent one (a label import
    refused by mockango lists every error with its JSON path). ``status`` is 0 when the
    host could not be reached. ``attempts`` is how many tries were made (GETs are retried);
    ``retry_after`` the seconds the host asked to wait (``Retry-After``), if it did.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        method: str = "",
        url: str = "",
        errors: list | None = None,
        body: Any = None,
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        self.status, self.message, self.method, self.url = status, message, method, url
        self.errors = errors or []
        self.body = body
        self.attempts, self.retry_after = attempts, retry_after
        where = f" ({method} {url})" if method else ""
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"HTTP {status}{where}{tries}: {message}")


class PluginRefused(PluginClientError):
    """The host refused the plugin's connection (wrong id or secret): retrying would not help.

    ``known_before`` is True when the same host had accepted this plugin earlier in the
    process's life (the host was reset, e.g. ``mockango serve --fresh``, or the plugin deleted).
    """

    def __init__(self, message: str, *, host: str = "", plugin_id: str = "", known_before: bool = False) -> None:
        super().__init__(message)
        self.host, self.plugin_id, self.known_before = host, plugin_id, known_before

    def advice(self) -> str:
        """One line for a person: what happened and what to do."""
        if self.known_before:
            return (
                f"plugin_client: the host at {self.host} no longer knows plugin {self.plugin_id}, which it "
                "accepted before: it was reset (e.g. `mockango serve --fresh`) or the plugin was deleted. "
                "Restart this process with the plugin id and secret the host shows now."
            )
        return (
            f"plugin_client: the host at {self.host} refused plugin {self.plugin_id}: unknown plugin id or "
            "wrong secret. Check PLUGIN_ID and PLUGIN_SECRET against the plugin's page on that host."
        )


class CallbackSignatureError(PluginClientError, TypeError):
    """The callback can be called neither as ``callback(**data)`` nor as ``callback(data)``."""
