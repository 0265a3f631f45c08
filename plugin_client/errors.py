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

    def __init__(self, status: int, message: str, *, method: str = "", url: str = "",
                 errors: list | None = None, body: Any = None, attempts: int = 1,
                 retry_after: float | None = None) -> None:
        self.status, self.message, self.method, self.url = status, message, method, url
        self.errors = errors or []
        self.body = body
        self.attempts, self.retry_after = attempts, retry_after
        where = f" ({method} {url})" if method else ""
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"HTTP {status}{where}{tries}: {message}")


class PluginRefused(PluginClientError):
    """The host refused the plugin's connection (wrong id or secret): retrying would not help."""


class CallbackSignatureError(PluginClientError, TypeError):
    """The callback can be called neither as ``callback(**data)`` nor as ``callback(data)``."""
